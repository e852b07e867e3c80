package policy

import "strings"

// Set is an ordered list of rules; the first that matches a key wins, and
// a key no rule matches follows the RFC.
type Set []Rule

// Lookup returns the rule for key.
func (s Set) Lookup(key string) *Rule {
	for i := range s {
		if s[i].Match(key) {
			return &s[i]
		}
	}
	return &rfc
}

// HasQuery reports whether a rule puts query strings into cache keys.
func (s Set) HasQuery() bool {
	for i := range s {
		if s[i].Query {
			return true
		}
	}
	return false
}

var rfc = Rule{Pattern: "*", Kind: RFC, SWR: Unset, SIE: Unset}

// DefaultRules are the rules of an edge given none: media segments
// (and WebVTT subtitle segments and files, published once per title
// like them) are immutable for 30 days (packagers never rewrite a segment under its
// name, and origins often send no or wrong headers for them); playlists
// follow the origin within 1 s..10 s (a live playlist costs the origin at
// most one request per second per node, a republished VOD playlist shows
// within 10 s, and each revalidation is a cheap 304); the rest follows
// the RFC.
var DefaultRules = []string{
	"*.m4s=immutable:30d", "*.mp4=immutable:30d", "*.m4v=immutable:30d", "*.m4a=immutable:30d",
	"*.ts=immutable:30d", "*.aac=immutable:30d", "*.cmfv=immutable:30d", "*.cmfa=immutable:30d",
	"*.cmft=immutable:30d", "*.webm=immutable:30d", "*.vtt=immutable:30d",
	"*.m3u8=origin:min=1s,max=10s", "*.mpd=origin:min=1s,max=10s",
}

// ParseSet parses rules in order; one that does not parse fails the set.
func ParseSet(rules []string) (Set, error) {
	out := make(Set, 0, len(rules))
	for _, s := range rules {
		if strings.TrimSpace(s) == "" {
			continue
		}
		r, err := Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Defaults returns the parsed DefaultRules.
func Defaults() Set {
	s, err := ParseSet(DefaultRules)
	if err != nil {
		panic(err) // DefaultRules are constants checked by the tests
	}
	return s
}

// SplitList splits a comma-joined list of rules (as a YAML list reaches a
// flag) into rules. A comma starts a new rule only when what follows it
// reads PATTERN=KIND; otherwise it separates the parameters of one rule.
func SplitList(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && startsRule(s[i+1:]) {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func startsRule(s string) bool {
	_, spec, ok := strings.Cut(s, "=")
	if !ok {
		return false
	}
	kind, _, _ := strings.Cut(spec, ":")
	kind, _, _ = strings.Cut(kind, ",")
	for _, name := range kindNames {
		if strings.EqualFold(strings.TrimSpace(kind), name) {
			return true
		}
	}
	return false
}
