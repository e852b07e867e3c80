package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
)

// indexed is the document bleve indexes for a title.
type indexed struct {
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Tags        string    `json:"tags"` // all tags as text
	Tag         []string  `json:"tag"`  // each tag as a keyword, for filters
	Year        float64   `json:"year"`
	DurationS   float64   `json:"duration_s"`
	Status      string    `json:"status"`
	Class       string    `json:"class"`
	Language    []string  `json:"language"`
	Created     time.Time `json:"created"`
}

func document(t *Title) indexed {
	return indexed{
		Title: t.Title, Description: t.Description, Tags: strings.Join(t.Tags, " "), Tag: t.Tags,
		Year: float64(t.Year), DurationS: float64(t.DurationMS) / 1000,
		Status: string(t.Status), Class: string(t.Class), Language: t.Languages, Created: t.Created,
	}
}

func indexMapping() mapping.IndexMapping {
	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text(en.AnalyzerName))
	doc.AddFieldMappingsAt("description", text(en.AnalyzerName))
	doc.AddFieldMappingsAt("tags", text(standard.Name))
	for _, f := range []string{"tag", "status", "class", "language"} {
		doc.AddFieldMappingsAt(f, text(keyword.Name))
	}
	doc.AddFieldMappingsAt("year", bleve.NewNumericFieldMapping())
	doc.AddFieldMappingsAt("duration_s", bleve.NewNumericFieldMapping())
	doc.AddFieldMappingsAt("created", bleve.NewDateTimeFieldMapping())
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = standard.Name
	return m
}

// Query is a catalog search. Zero fields do not filter.
type Query struct {
	// Text is matched against title, description and tags.
	Text string
	// Tags must all be present.
	Tags []string
	// YearMin, YearMax bound the year (inclusive).
	YearMin, YearMax int
	// MinDuration, MaxDuration bound the duration (inclusive).
	MinDuration, MaxDuration time.Duration
	Status                   Status
	Class                    Class
	Language                 string
	// Limit (default 20, at most 1000) and Offset page the results.
	Limit, Offset int
}

// Hit is one search result: the title without its file list (which
// runs to thousands of segments; GET the title for it), with the
// files' count and total size instead.
type Hit struct {
	Score     float64 `json:"score"`
	FileCount int     `json:"file_count"`
	Bytes     int64   `json:"bytes"`
	*Title
}

// Results of a search: the page of hits and the total matching.
type Results struct {
	Total uint64        `json:"total"`
	Hits  []Hit         `json:"hits"`
	Took  time.Duration `json:"took_ns"`
}

// Search runs q: ranked by relevance when q.Text is set, newest first
// otherwise.
func (c *Catalog) Search(q Query) (*Results, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	req := bleve.NewSearchRequestOptions(buildQuery(q), min(limit, 1000), max(0, q.Offset), false)
	if strings.TrimSpace(q.Text) == "" {
		req.SortBy([]string{"-created", "_id"})
	}
	res, err := c.index.Search(req)
	if err != nil {
		return nil, fmt.Errorf("catalog: search: %w", err)
	}
	out := &Results{Total: res.Total, Took: res.Took}
	for _, h := range res.Hits {
		t, err := c.Get(h.ID)
		if err != nil {
			continue // deleted since it was indexed
		}
		hit := Hit{Score: h.Score, FileCount: len(t.Files), Bytes: t.Bytes(), Title: t}
		t.Files = nil
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}

func buildQuery(q Query) query.Query {
	var parts []query.Query
	if text := strings.TrimSpace(q.Text); text != "" {
		parts = append(parts, textQuery(text))
	}
	for _, tag := range q.Tags {
		parts = append(parts, term("tag", strings.ToLower(tag)))
	}
	if q.Status != "" {
		parts = append(parts, term("status", string(q.Status)))
	}
	if q.Class != "" {
		parts = append(parts, term("class", string(q.Class)))
	}
	if q.Language != "" {
		parts = append(parts, term("language", strings.ToLower(q.Language)))
	}
	if r := numericRange("year", float64(q.YearMin), float64(q.YearMax)); r != nil {
		parts = append(parts, r)
	}
	if r := numericRange("duration_s", q.MinDuration.Seconds(), q.MaxDuration.Seconds()); r != nil {
		parts = append(parts, r)
	}
	if len(parts) == 0 {
		return bleve.NewMatchAllQuery()
	}
	return bleve.NewConjunctionQuery(parts...)
}

// textQuery weighs a phrase match in the title most, then words in the
// title, tags, description, and last a one-typo match on the title.
func textQuery(text string) query.Query {
	match := func(field string, boost float64, fuzzy int) query.Query {
		m := bleve.NewMatchQuery(text)
		m.SetField(field)
		m.SetBoost(boost)
		m.SetFuzziness(fuzzy)
		return m
	}
	phrase := bleve.NewMatchPhraseQuery(text)
	phrase.SetField("title")
	phrase.SetBoost(6)
	return bleve.NewDisjunctionQuery(phrase, match("title", 3, 0), match("tags", 2, 0), match("description", 1, 0), match("title", 0.5, 1))
}

func term(field, value string) query.Query {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	return t
}

func numericRange(field string, lo, hi float64) query.Query {
	if lo <= 0 && hi <= 0 {
		return nil
	}
	var minP, maxP *float64
	if lo > 0 {
		minP = &lo
	}
	if hi > 0 {
		maxP = &hi
	}
	yes := true
	r := bleve.NewNumericRangeInclusiveQuery(minP, maxP, &yes, &yes)
	r.SetField(field)
	return r
}

func titleOf(key string) (string, bool) {
	rest, ok := strings.CutPrefix(trimSlash(key), "titles/")
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, "/")
	return id, ok && id != ""
}

func trimSlash(s string) string { return strings.TrimPrefix(s, "/") }
