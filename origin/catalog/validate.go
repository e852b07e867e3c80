package catalog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on operator metadata.
const (
	maxTitle       = 300
	maxDescription = 10_000
	maxTags        = 50
	maxTag         = 64
	maxLanguages   = 20
	// maxExpectedPlays bounds the operator's prior (plays per day): more
	// than any catalogue sees, small enough to stay exact in JSON.
	maxExpectedPlays = 1e12
)

// Normalize trims and checks metadata: a title is required; tags are
// lower-cased and de-duplicated; languages are short codes.
func (m *Metadata) Normalize() error {
	m.Title = strings.TrimSpace(m.Title)
	m.Description = strings.TrimSpace(m.Description)
	m.Rating = strings.TrimSpace(m.Rating)
	switch {
	case m.Title == "":
		return fmt.Errorf("%w: a title is required", ErrInvalid)
	case !utf8.ValidString(m.Title + m.Description + m.Rating):
		return fmt.Errorf("%w: metadata is not valid UTF-8", ErrInvalid)
	case len(m.Title) > maxTitle:
		return fmt.Errorf("%w: title longer than %d bytes", ErrInvalid, maxTitle)
	case len(m.Description) > maxDescription:
		return fmt.Errorf("%w: description longer than %d bytes", ErrInvalid, maxDescription)
	case len(m.Rating) > 16:
		return fmt.Errorf("%w: rating %q: want a short label such as PG-13", ErrInvalid, m.Rating)
	case m.Year != 0 && (m.Year < 1870 || m.Year > 2200):
		return fmt.Errorf("%w: year %d", ErrInvalid, m.Year)
	case !(m.ExpectedPlays >= 0 && m.ExpectedPlays <= maxExpectedPlays): // also NaN
		return fmt.Errorf("%w: expected_plays %v: want plays per day from 0 to %g", ErrInvalid, m.ExpectedPlays, float64(maxExpectedPlays))
	}
	var err error
	if m.Tags, err = cleanList(m.Tags, maxTags, maxTag, "tag"); err != nil {
		return err
	}
	m.Languages, err = cleanList(m.Languages, maxLanguages, 12, "language")
	return err
}

func cleanList(in []string, maxN, maxLen int, what string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || seen[s] {
			continue
		}
		if len(s) > maxLen || !utf8.ValidString(s) || strings.ContainsAny(s, ",\n\r\t") {
			return nil, fmt.Errorf("%w: %s %q", ErrInvalid, what, s)
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) > maxN {
		return nil, fmt.Errorf("%w: more than %d %ss", ErrInvalid, maxN, what)
	}
	return out, nil
}
