package bench

import "fmt"

// MixPlayer is Scenario.Mix for the player mix: what HLS players of a
// packaged title request, in the order and proportions they request it.
const MixPlayer = "player"

// A player session of the mix, as the bench's player emulation plays a
// title (bench/player: master playlist, media playlist, then 4-second
// segments) with the separate audio rendition the origin's packager
// publishes (AAC 128 kbit/s): the master (1 KiB), the video and audio
// media playlists (8 KiB each), then playerSegments pairs of a 720p
// video segment (2.5 Mbit/s × 4 s ≈ 1.2 MiB) and its audio segment
// (128 kbit/s × 4 s = 62.5 KiB). Three requests in 33 are playlists,
// 15 video, 15 audio; 95 % of the bytes are video.
const (
	playerSegments     = 15
	playerMasterBytes  = 1 << 10
	playerPlaylistSize = 8 << 10
	playerVideoBytes   = 2_500_000 / 8 * 4
	playerAudioBytes   = 128_000 / 8 * 4
)

// file is one object of a scenario's corpus.
type file struct {
	path string
	size int64
}

// Files returns the scenario's objects in the order wrk requests them:
// Objects files of Size, or for the player mix Objects sessions.
func (s Scenario) Files() []file {
	if s.Mix != MixPlayer {
		out := make([]file, s.Objects)
		for i := range out {
			out[i] = file{fmt.Sprintf("/%s/%05d.m4s", s.Name, i+1), s.Size}
		}
		return out
	}
	var out []file
	for t := 1; t <= s.Objects; t++ {
		dir := fmt.Sprintf("/%s/t%03d/", s.Name, t)
		out = append(out, file{dir + "master.m3u8", playerMasterBytes},
			file{dir + "video-720p/index.m3u8", playerPlaylistSize}, file{dir + "audio-aac-128k/index.m3u8", playerPlaylistSize})
		for seg := 1; seg <= playerSegments; seg++ {
			out = append(out, file{fmt.Sprintf("%svideo-720p/seg-%05d.m4s", dir, seg), playerVideoBytes},
				file{fmt.Sprintf("%saudio-aac-128k/seg-%05d.m4s", dir, seg), playerAudioBytes})
		}
	}
	return out
}
