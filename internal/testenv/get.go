package testenv

import (
	"io"
	"net/http"
)

// Get sends GET url with the header fields given as name, value pairs
// (a pair with an empty value is left out) and returns the status and
// body; a request that fails returns status 0 and the error as body.
func Get(c *http.Client, url string, hdr ...string) (int, string) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] != "" {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

// Bearer is the Authorization value for token, "" when there is none.
func Bearer(token string) string {
	if token == "" {
		return ""
	}
	return "Bearer " + token
}
