package policy

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax wraps every parse error.
var ErrSyntax = errors.New("policy: bad rule")

// Kind says who decides an object's freshness.
type Kind uint8

// Kinds of rules.
const (
	RFC       Kind = iota // the origin's headers
	Origin                // the origin's headers, clamped to [Min, Max]
	Immutable             // TTL from storage, client reloads ignored
	Pass                  // never stored
)

var kindNames = [...]string{RFC: "rfc", Origin: "origin", Immutable: "immutable", Pass: "pass"}

func (k Kind) String() string { return kindNames[k] }

// Unset marks a window the rule leaves to the origin and the defaults.
const Unset time.Duration = -1

// Rule is one parsed policy rule.
type Rule struct {
	Pattern string
	Kind    Kind
	TTL     time.Duration // Immutable: the lifetime
	Min     time.Duration // Origin: floor (0: none)
	Max     time.Duration // Origin: ceiling (0: none)
	SWR     time.Duration // stale-while-revalidate when the origin gave none; Unset
	SIE     time.Duration // stale-if-error when the origin gave none; Unset
	// Query makes the request's query string part of the cache key of
	// the paths the rule matches (and sends it to the origin); without
	// it the query is ignored, as signed-URL tokens must not split the
	// cache of a segment.
	Query bool
}

// maxLen bounds a rule's text: a rule is operator input, not data.
const maxLen = 1024

// Parse parses PATTERN=KIND[:PARAMS].
func Parse(s string) (Rule, error) {
	r := Rule{SWR: Unset, SIE: Unset}
	if len(s) > maxLen {
		return r, fmt.Errorf("%w: longer than %d bytes", ErrSyntax, maxLen)
	}
	pat, spec, ok := strings.Cut(strings.TrimSpace(s), "=")
	pat = strings.TrimSpace(pat)
	if !ok || pat == "" {
		return r, fmt.Errorf("%w %q: want PATTERN=KIND[:PARAMS], e.g. *.m4s=immutable:30d", ErrSyntax, s)
	}
	if _, err := path.Match(pat, ""); err != nil {
		return r, fmt.Errorf("%w %q: pattern: %w", ErrSyntax, s, err)
	}
	r.Pattern = pat
	kind, params, _ := strings.Cut(strings.TrimSpace(spec), ":")
	kind, flags, _ := strings.Cut(kind, ",") // "rfc,query"
	if strings.TrimSpace(flags) != "" {
		params = strings.Join([]string{flags, params}, ",")
	}
	if err := r.setKind(kind); err != nil {
		return r, fmt.Errorf("%w %q: %w", ErrSyntax, s, err)
	}
	if err := r.setParams(params); err != nil {
		return r, fmt.Errorf("%w %q: %w", ErrSyntax, s, err)
	}
	return r, nil
}

// DefaultImmutableTTL is the lifetime of an immutable rule without one.
const DefaultImmutableTTL = 30 * 24 * time.Hour

func (r *Rule) setKind(kind string) error {
	for k, name := range kindNames {
		if strings.EqualFold(strings.TrimSpace(kind), name) {
			r.Kind = Kind(k)
			if r.Kind == Immutable {
				r.TTL = DefaultImmutableTTL
			}
			return nil
		}
	}
	return fmt.Errorf("unknown kind %q (want rfc, origin, immutable or pass)", kind)
}

func (r *Rule) setParams(params string) error {
	if strings.TrimSpace(params) == "" {
		return nil
	}
	if r.Kind == Pass {
		return errors.New("pass takes no parameters")
	}
	for p := range strings.SplitSeq(params, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if strings.EqualFold(p, "query") {
			r.Query = true
			continue
		}
		name, val, hasVal := strings.Cut(p, "=")
		if !hasVal && r.Kind == Immutable {
			name, val = "ttl", name // immutable:30d
		}
		if err := r.setParam(strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(val)); err != nil {
			return err
		}
	}
	if r.Max > 0 && r.Min > r.Max {
		return fmt.Errorf("min %v above max %v", r.Min, r.Max)
	}
	return nil
}

func (r *Rule) setParam(name, val string) error {
	d, err := ParseDuration(val)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case name == "ttl" && r.Kind == Immutable:
		if d <= 0 {
			return errors.New("ttl must be positive")
		}
		r.TTL = d
	case name == "min" && r.Kind == Origin:
		r.Min = d
	case name == "max" && r.Kind == Origin:
		r.Max = d
	case name == "swr":
		r.SWR = d
	case name == "sie":
		r.SIE = d
	default:
		return fmt.Errorf("%s does not take %q", r.Kind, name)
	}
	return nil
}

// maxDuration bounds every duration: ten years is forever for a cache.
const maxDuration = 10 * 365 * 24 * time.Hour

// ParseDuration parses a Go duration, with an optional leading whole
// number of days ("30d", "1d12h"), non-negative and at most ten years.
func ParseDuration(s string) (time.Duration, error) {
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			s = "0s"
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q (want e.g. 10s, 5m, 30d)", s)
	}
	if d += days; d > maxDuration {
		return 0, fmt.Errorf("duration %q is longer than ten years", s)
	}
	return d, nil
}

// Match reports whether the rule applies to key.
func (r *Rule) Match(key string) bool {
	target := key
	if !strings.Contains(r.Pattern, "/") {
		target = path.Base(key)
	}
	ok, _ := path.Match(r.Pattern, target)
	return ok
}

// Clamp applies the rule to the lifetime the origin's headers give.
func (r *Rule) Clamp(lifetime time.Duration) time.Duration {
	switch r.Kind {
	case Immutable:
		return r.TTL
	case Origin:
		if lifetime < r.Min {
			lifetime = r.Min
		}
		if r.Max > 0 && lifetime > r.Max {
			lifetime = r.Max
		}
	}
	return lifetime
}

// String formats the rule so that Parse reads it back.
func (r Rule) String() string {
	var params []string
	switch r.Kind {
	case Immutable:
		params = append(params, "ttl="+formatDuration(r.TTL))
	case Origin:
		if r.Min > 0 {
			params = append(params, "min="+formatDuration(r.Min))
		}
		if r.Max > 0 {
			params = append(params, "max="+formatDuration(r.Max))
		}
	}
	if r.SWR != Unset {
		params = append(params, "swr="+formatDuration(r.SWR))
	}
	if r.SIE != Unset {
		params = append(params, "sie="+formatDuration(r.SIE))
	}
	if r.Query {
		params = append(params, "query")
	}
	s := r.Pattern + "=" + r.Kind.String()
	if len(params) > 0 {
		s += ":" + strings.Join(params, ",")
	}
	return s
}

func formatDuration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}
