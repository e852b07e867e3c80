package freshness

import (
	"strconv"
	"strings"
)

// CDNCacheControl is the targeted field for every CDN cache (RFC 9213
// §3).
const CDNCacheControl = "CDN-Cache-Control"

// Select returns the directives a cache whose target list is targets
// (most specific first) applies to a response whose field lines get
// returns: those of the first targeted field with a valid value, else
// Cache-Control's (RFC 9213 §2.2). targeted reports the former, in
// which case the response's Cache-Control and Expires are ignored.
func Select(get func(name string) []string, targets []string) (d Directives, targeted bool) {
	for _, name := range targets {
		if lines := get(name); len(lines) > 0 {
			if d, ok := ParseTargeted(lines...); ok {
				return d, true
			}
		}
	}
	return Parse(get("Cache-Control")...), false
}

// ParseTargeted parses the lines of a targeted field: a structured-field
// Dictionary (RFC 8941 §3.2) whose members are cache directives. ok is
// false when the value is not a valid Dictionary; the cache then falls
// back to Cache-Control. A key given twice takes its last value (RFC
// 8941), Boolean false means absent, parameters are ignored, and an
// Integer is a delta; a Decimal or negative number where a delta is
// expected counts as a malformed value (0 for max-age and s-maxage).
func ParseTargeted(lines ...string) (Directives, bool) {
	s := strings.Trim(strings.Join(lines, ", "), " \t")
	members := map[string]sfValue{}
	var order []string
	for s != "" {
		key, v, rest, ok := sfMember(s)
		if !ok {
			return Directives{}, false
		}
		if _, seen := members[key]; !seen {
			order = append(order, key)
		}
		members[key] = v
		if s, ok = sfNext(rest); !ok {
			return Directives{}, false
		}
	}
	d := Empty()
	for _, k := range order {
		if v := members[k]; !v.off {
			d.set(k, v.val, v.has)
		}
	}
	return d, true
}

// sfValue is a Dictionary member's value as a directive sees it.
type sfValue struct {
	val string
	has bool // not a Boolean
	off bool // Boolean false: the directive is absent
}

// sfNext skips the separator after a member: OWS "," OWS, or the end.
// A trailing comma is invalid.
func sfNext(s string) (string, bool) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return "", true
	}
	if s[0] != ',' {
		return "", false
	}
	s = strings.TrimLeft(s[1:], " \t")
	return s, s != ""
}

// sfMember parses one member: key, then "=" value or a Boolean true,
// then parameters.
func sfMember(s string) (key string, v sfValue, rest string, ok bool) {
	if key, s, ok = sfKey(s); !ok {
		return "", v, "", false
	}
	if s == "" || s[0] != '=' {
		rest, ok = sfParams(s)
		return key, v, rest, ok
	}
	s = s[1:]
	if s != "" && s[0] == '(' {
		if s, ok = sfInnerList(s); !ok {
			return "", v, "", false
		}
		v = sfValue{has: true, val: "()"}
	} else if v, s, ok = sfBareItem(s); !ok {
		return "", v, "", false
	}
	rest, ok = sfParams(s)
	return key, v, rest, ok
}

// sfKey parses a key: lcalpha or "*", then lcalpha, DIGIT, "_-.*".
func sfKey(s string) (string, string, bool) {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] == '*') {
		return "", s, false
	}
	i := 1
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9' || strings.IndexByte("_-.*", s[i]) >= 0) {
		i++
	}
	return s[:i], s[i:], true
}

// sfParams skips parameters: *( ";" *SP key [ "=" bare-item ] ).
func sfParams(s string) (string, bool) {
	for s != "" && s[0] == ';' {
		var ok bool
		if _, s, ok = sfKey(strings.TrimLeft(s[1:], " ")); !ok {
			return "", false
		}
		if s != "" && s[0] == '=' {
			if _, s, ok = sfBareItem(s[1:]); !ok {
				return "", false
			}
		}
	}
	return s, true
}

// sfInnerList skips an inner list: "(" items separated by SP ")" params.
func sfInnerList(s string) (string, bool) {
	s = s[1:]
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return "", false
		}
		if s[0] == ')' {
			return sfParams(s[1:])
		}
		var ok bool
		if _, s, ok = sfBareItem(s); !ok {
			return "", false
		}
		if s, ok = sfParams(s); !ok || s == "" || s[0] != ' ' && s[0] != ')' {
			return "", false
		}
	}
}

// sfBareItem parses an Integer, Decimal, String, Token, Byte Sequence or
// Boolean.
func sfBareItem(s string) (sfValue, string, bool) {
	if s == "" {
		return sfValue{}, "", false
	}
	switch c := s[0]; {
	case c == '-' || c >= '0' && c <= '9':
		return sfNumber(s)
	case c == '"':
		return sfString(s)
	case c == '?':
		if len(s) < 2 || s[1] != '0' && s[1] != '1' {
			return sfValue{}, "", false
		}
		return sfValue{off: s[1] == '0'}, s[2:], true
	case c == ':':
		end := strings.IndexByte(s[1:], ':')
		if end < 0 {
			return sfValue{}, "", false
		}
		for _, b := range []byte(s[1 : 1+end]) {
			if !(isAlnum(b) || b == '+' || b == '/' || b == '=') {
				return sfValue{}, "", false
			}
		}
		return sfValue{has: true, val: s[:end+2]}, s[end+2:], true
	case c == '*' || c|0x20 >= 'a' && c|0x20 <= 'z':
		i := 1
		for i < len(s) && (isTchar(s[i]) || s[i] == ':' || s[i] == '/') {
			i++
		}
		return sfValue{has: true, val: s[:i]}, s[i:], true
	}
	return sfValue{}, "", false
}

// sfNumber parses an Integer (at most 15 digits) or a Decimal (at most
// 12 integer and 3 fraction digits). A Decimal or a negative Integer is
// returned as a value no delta accepts.
func sfNumber(s string) (sfValue, string, bool) {
	i, neg := 0, s[0] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	digits := i - start
	if digits == 0 || digits > 15 {
		return sfValue{}, "", false
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if digits > 12 || j == i+1 || j-i-1 > 3 {
			return sfValue{}, "", false
		}
		return sfValue{has: true}, s[j:], true // no delta: malformed
	}
	if neg {
		return sfValue{has: true}, s[i:], true
	}
	n, _ := strconv.ParseInt(s[start:i], 10, 64)
	return sfValue{has: true, val: strconv.FormatInt(n, 10)}, s[i:], true
}

// sfString parses a String: printable ASCII in quotes, with \" and \\.
func sfString(s string) (sfValue, string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+1 >= len(s) || s[i+1] != '"' && s[i+1] != '\\' {
				return sfValue{}, "", false
			}
			i++
			b.WriteByte(s[i])
		case c == '"':
			return sfValue{has: true, val: b.String()}, s[i+1:], true
		case c < 0x20 || c > 0x7e:
			return sfValue{}, "", false
		default:
			b.WriteByte(c)
		}
	}
	return sfValue{}, "", false
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

func isTchar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
