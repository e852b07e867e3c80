package origin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// ErrArchived classifies an object S3 will not serve until it is
// restored from an archive storage class (GLACIER, DEEP_ARCHIVE): S3
// answers its GetObject with 403 InvalidObjectState.
var ErrArchived = errors.New("origin: object in an archive storage class")

// ArchivedOptions say what the S3 client does with an archived object.
// Such an object is not an error of the origin: a player asks again
// once the title's restore (a job of the controller) has completed.
type ArchivedOptions struct {
	// RetryAfter is the Retry-After of the 503 the object answers; 0 is
	// DefaultArchivedRetryAfter.
	RetryAfter time.Duration
	// Notify, when set, is called with the request's key each time an
	// archived object is asked for. It must not block: the edge hands
	// the key to the goroutine that asks the controller for a restore.
	Notify func(key string)
}

// DefaultArchivedRetryAfter matches the controller's own 503 for a file
// of a cold title.
const DefaultArchivedRetryAfter = 60 * time.Second

func (a ArchivedOptions) withDefaults() ArchivedOptions {
	if a.RetryAfter <= 0 {
		a.RetryAfter = DefaultArchivedRetryAfter
	}
	return a
}

// archivedAnswer turns InvalidObjectState into a 503 with Retry-After:
// an Object when the request takes any status (the edge passes it to
// the player as is), else a StatusError wrapping ErrArchived and
// ErrUnreachable. No Cache-Control: a cache does not store a 503
// without one, and never past its Retry-After.
func (o *S3) archivedAnswer(req Request, what string) (*Object, error) {
	if o.archived.Notify != nil {
		o.archived.Notify(req.Key)
	}
	secs := int((o.archived.RetryAfter + time.Second - 1) / time.Second)
	hdr := http.Header{"Retry-After": {strconv.Itoa(secs)}}
	if !req.AnyStatus {
		return nil, &StatusError{What: what, Status: http.StatusServiceUnavailable, Header: hdr, Err: fmt.Errorf("%w: %w", ErrArchived, ErrUnreachable)}
	}
	body := fmt.Appendf(nil, "503 restoring from archive storage, retry in %d s\n", secs)
	m := Meta{Status: http.StatusServiceUnavailable, ContentType: "text/plain; charset=utf-8", Size: int64(len(body))}
	if req.Head {
		return &Object{Meta: m, Body: http.NoBody, Header: hdr}, nil
	}
	return &Object{Meta: m, Length: m.Size, Body: io.NopCloser(bytes.NewReader(body)), Header: hdr}, nil
}
