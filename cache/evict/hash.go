package evict

// Hash returns the 64-bit hash by which a Compact table knows a key:
// FNV-1a over the key's bytes, finished with MurmurHash3's 64-bit mixer
// so that every bit of the result depends on every bit of the key. It
// is fixed, not seeded: the disk tier may store it in its index, and it
// names the same key after a restart or an upgrade.
func Hash(key string) uint64 {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	h := uint64(offset64)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= prime64
	}
	return mix(h)
}

// mix is MurmurHash3's fmix64: a bijection, so distinct hashes stay
// distinct, that spreads any input (even consecutive integers) over all
// 64 bits. The tables mix what they are given, whoever computed it.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// fingerprint is the 32 bits of a hash the slot tables keep and derive
// positions from; never 0, which marks an empty slot.
func fingerprint(h uint64) uint32 {
	if fp := uint32(mix(h) >> 32); fp != 0 {
		return fp
	}
	return 1
}

// reduce maps a fingerprint onto [0, n) without a division (Lemire's
// multiply-shift), so tables need not be powers of two.
func reduce(fp uint32, n int) int { return int(uint64(fp) * uint64(n) >> 32) }
