package steering

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Cold titles: a title in the cold storage class is left out of the
// fill manifests, so steering sends its players to the origin, where a
// request starts its restore and is answered 503 with Retry-After until
// it is done. Steering cannot tell that from a file nobody holds, so it
// also asks the controller, at each manifest poll, which published
// titles are cold (GET /v1/titles?class=cold, with the manifest token:
// it needs an API token, a node's own token gets 403 and the hint is
// left out). Its JSON answers then carry "restoring": true and
// "retry_after" for their files, so a player can say "restoring, retry
// in N s" before its first request. The redirect endpoint still
// redirects: the request that reaches the origin or an edge is what
// starts the restore.

// restoreRetryAfter is the retry_after steering suggests, in seconds:
// the edges' and the controller's Retry-After for a cold file.
const restoreRetryAfter = 60

// coldPage bounds one page of the cold titles' listing.
const coldPage = 1000

// maxColdTitles bounds the set steering keeps.
const maxColdTitles = 1_000_000

// pollCold replaces the set of cold titles with the controller's; on
// an error the set held is kept.
func (c *ManifestContent) pollCold(ctx context.Context) error {
	base := strings.TrimSuffix(c.cfg.URL, "/")
	set := map[string]struct{}{}
	for offset := 0; ; offset += coldPage {
		ids, total, err := c.coldPage(ctx, base+"/v1/titles?class=cold&status=published&limit="+strconv.Itoa(coldPage)+"&offset="+strconv.Itoa(offset))
		if err != nil {
			return err
		}
		for _, id := range ids {
			set[id] = struct{}{}
		}
		if len(ids) == 0 || offset+len(ids) >= total || len(set) >= maxColdTitles || offset+coldPage > 100_000 {
			break
		}
	}
	c.cold.Store(&set)
	return nil
}

func (c *ManifestContent) coldPage(ctx context.Context, url string) ([]string, int, error) {
	resp, err := c.get(ctx, url)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
		Hits  []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&page); err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", url, err)
	}
	ids := make([]string, 0, len(page.Hits))
	for _, h := range page.Hits {
		ids = append(ids, h.ID)
	}
	return ids, page.Total, nil
}

// Restoring reports whether file belongs to a title the controller
// last said was cold: /titles/{id}/….
func (c *ManifestContent) Restoring(file string) bool {
	set := c.cold.Load()
	if set == nil || len(*set) == 0 {
		return false
	}
	rest, ok := strings.CutPrefix(file, "/titles/")
	if !ok {
		return false
	}
	id, _, _ := strings.Cut(rest, "/")
	_, cold := (*set)[id]
	return cold
}
