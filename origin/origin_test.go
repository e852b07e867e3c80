package origin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// content returns n bytes that differ at every position, so that a body
// shifted by one byte does not compare equal.
func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// fetchAll fetches req and reads the whole body, always closing it.
func fetchAll(f Fetcher, req Request) (*Object, []byte, error) {
	obj, err := f.Fetch(context.Background(), req)
	if err != nil {
		return nil, nil, err
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(obj.Body)
	return obj, b, err
}

type rangeCase struct {
	name        string
	off, length int64
	lo, hi      int64 // expected bytes data[lo:hi]; hi < 0 means a RangeError
}

// rangeCases are the requests every origin must answer alike for an object
// of size n (n >= 20).
func rangeCases(n int64) []rangeCase {
	return []rangeCase{
		{"whole", 0, -1, 0, n},
		{"start", 0, 10, 0, 10},
		{"middle", n / 2, 7, n / 2, n/2 + 7},
		{"to end", n - 10, -1, n - 10, n},
		{"length past end", n - 10, 100, n - 10, n},
		{"last byte", n - 1, 1, n - 1, n},
		{"zero length", 5, 0, 5, 5},
		{"at end", n, -1, 0, -1},
		{"past end", n + 5, 10, 0, -1},
		{"far past end", 1 << 62, 1 << 62, 0, -1},
		{"negative offset", -1, 10, 0, -1},
	}
}

// testRanges runs rangeCases against key, whose content is data, and
// checks that every answer carries the same metadata.
func testRanges(t *testing.T, f Fetcher, key string, data []byte) {
	t.Helper()
	n := int64(len(data))
	var first *Meta
	for _, tc := range rangeCases(n) {
		t.Run(tc.name, func(t *testing.T) {
			obj, got, err := fetchAll(f, Request{Key: key, Offset: tc.off, Length: tc.length})
			if tc.hi < 0 {
				checkRangeError(t, err, tc.off, n)
				return
			}
			if err != nil {
				t.Fatalf("Fetch(%d, %d): %v", tc.off, tc.length, err)
			}
			if want := data[tc.lo:tc.hi]; !bytes.Equal(got, want) {
				t.Errorf("body = %d bytes, want %d bytes data[%d:%d]", len(got), len(want), tc.lo, tc.hi)
			}
			if obj.Offset != tc.off || obj.Length != tc.hi-tc.lo || obj.Size != n {
				t.Errorf("Offset, Length, Size = %d, %d, %d; want %d, %d, %d", obj.Offset, obj.Length, obj.Size, tc.off, tc.hi-tc.lo, n)
			}
			if first == nil {
				first = &obj.Meta
			} else if obj.Meta != *first {
				t.Errorf("Meta = %+v, differs from a previous answer's %+v", obj.Meta, *first)
			}
		})
	}
}

// checkRangeError checks err is a RangeError with the object's size (or -1
// for a negative offset, which never reaches the origin).
func checkRangeError(t *testing.T, err error, off, size int64) {
	t.Helper()
	var re *RangeError
	if !errors.As(err, &re) || !errors.Is(err, ErrRangeNotSatisfiable) {
		t.Fatalf("err = %v, want a RangeError", err)
	}
	if want := size; off < 0 {
		if re.Size != -1 {
			t.Errorf("RangeError.Size = %d, want -1 for a negative offset", re.Size)
		}
	} else if re.Size != want {
		t.Errorf("RangeError.Size = %d, want %d", re.Size, want)
	}
}

// testEmpty checks the answers for an empty object: offset 0 is an empty
// body, anything further a RangeError of size 0.
func testEmpty(t *testing.T, f Fetcher, key string) {
	t.Helper()
	for _, length := range []int64{-1, 0, 10} {
		t.Run(fmt.Sprintf("offset 0 length %d", length), func(t *testing.T) {
			obj, got, err := fetchAll(f, Request{Key: key, Length: length})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if obj.Size != 0 || obj.Length != 0 || len(got) != 0 {
				t.Errorf("Size, Length, body = %d, %d, %d bytes; want all 0", obj.Size, obj.Length, len(got))
			}
		})
	}
	t.Run("offset 1", func(t *testing.T) {
		_, _, err := fetchAll(f, Request{Key: key, Offset: 1, Length: -1})
		checkRangeError(t, err, 1, 0)
	})
}

// wantErr checks that err wraps want (and, when set, all of also).
func wantErr(t *testing.T, err error, want ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Fatalf("err = %v, want it to wrap %v", err, w)
		}
	}
}
