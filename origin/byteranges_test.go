package origin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// byterangesAnswer builds the 206 of body with boundary "B", and its
// remote body.
func byterangesAnswer(body string) (*http.Response, *remoteBody) {
	resp := &http.Response{StatusCode: http.StatusPartialContent, ContentLength: int64(len(body)), Header: http.Header{
		"Content-Type": {"multipart/byteranges; boundary=B"},
	}}
	ctx, cancel := context.WithCancelCause(context.Background())
	return resp, newRemoteBody(ctx, cancel, io.NopCloser(strings.NewReader(body)), 0, "GET test")
}

const twoParts = "--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-3/20\r\n\r\nabcd\r\n" +
	"--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 10-14/20\r\n\r\nklmno\r\n--B--\r\n"

// TestParseByteranges: the part holding the offset is found and read
// alone, with its Content-Range and Content-Type; an offset no part
// holds and a part without a valid Content-Range are bad answers.
func TestParseByteranges(t *testing.T) {
	for _, tc := range []struct {
		offset    int64
		body      string
		want, ct  string
		wantRange string
	}{
		{0, twoParts, "abcd", "video/mp4", "bytes 0-3/20"},
		{12, twoParts, "klmno", "video/mp4", "bytes 10-14/20"},
		{5, twoParts, "", "", ""},
		{0, "--B\r\nContent-Range: bytes 0-3\r\n\r\nabcd\r\n--B--\r\n", "", "", ""},
		{0, "no parts at all", "", "", ""},
	} {
		resp, body := byterangesAnswer(tc.body)
		b, err := parseByteranges(Request{Key: "/x", Offset: tc.offset}, resp, body, "B")
		if tc.want == "" {
			if !errors.Is(err, ErrBadResponse) {
				t.Errorf("offset %d of %q: %v, want ErrBadResponse", tc.offset, tc.body, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("offset %d: %v", tc.offset, err)
		}
		got, err := io.ReadAll(b)
		if err != nil || string(got) != tc.want || resp.Header.Get("Content-Range") != tc.wantRange || resp.Header.Get("Content-Type") != tc.ct {
			t.Errorf("offset %d: %q %v, Content-Range %q, Content-Type %q", tc.offset, got, err, resp.Header.Get("Content-Range"), resp.Header.Get("Content-Type"))
		}
		b.Close()
	}
}

// FuzzParseByteranges checks that any body either fails or yields a
// part whose Content-Range holds the offset, and never panics.
func FuzzParseByteranges(f *testing.F) {
	f.Add(twoParts, uint16(0))
	f.Add(twoParts, uint16(12))
	f.Add("--B\r\n\r\n--B--", uint16(1))
	f.Fuzz(func(t *testing.T, body string, offset uint16) {
		resp, rb := byterangesAnswer(body)
		b, err := parseByteranges(Request{Key: "/x", Offset: int64(offset)}, resp, rb, "B")
		if err != nil {
			rb.Close()
			return
		}
		defer b.Close()
		cr, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || cr.First > int64(offset) || cr.Last < int64(offset) {
			t.Fatalf("chose %q for offset %d: %v", resp.Header.Get("Content-Range"), offset, err)
		}
		io.ReadAll(b)
	})
}
