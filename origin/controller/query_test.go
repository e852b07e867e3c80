package controller

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestParseSearch(t *testing.T) {
	q, err := ParseSearch(url.Values{"q": {"space"}, "tag": {"a,b", "c"}, "year": {"2018-2021"}, "min_duration": {"90m"}, "max_duration": {"7200"}, "limit": {"5"}, "offset": {"10"}, "status": {"published"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != "space" || len(q.Tags) != 3 || q.YearMin != 2018 || q.YearMax != 2021 || q.MinDuration != 90*time.Minute || q.MaxDuration != 2*time.Hour || q.Limit != 5 || q.Offset != 10 {
		t.Errorf("%+v", q)
	}
	if q, _ := ParseSearch(url.Values{"year": {"1999"}}); q.YearMin != 1999 || q.YearMax != 1999 || q.Limit != 20 {
		t.Errorf("single year: %+v", q)
	}
}

func FuzzParseSearch(f *testing.F) {
	f.Add("q=space&tag=a,b&year=2018-2021&min_duration=90m&max_duration=7200&limit=5&offset=1&status=published&class=hot")
	f.Add("year=2021-2018&limit=100000&min_duration=NaN&q=%ff")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseSearch(v)
		if err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("unclassified %v", err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > 1000 || q.Offset < 0 || q.MinDuration < 0 || q.MaxDuration < 0 ||
			(q.YearMax != 0 && q.YearMin > q.YearMax) || len(q.Tags) > 20 {
			t.Fatalf("accepted %+v from %q", q, raw)
		}
	})
}
