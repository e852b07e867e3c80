package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// SetClass moves a title's objects to the hot or cold class by copying
// each object onto itself with the new storage class and metadata. An
// object already in the target class is skipped, so an interrupted move
// can be run again. Restoring from an archive class first asks S3 to
// restore every archived object of keys, then waits (RestorePoll) for
// each in turn: the restores run side by side at S3, so a title costs
// one restore time, not one per file.
func (s *S3) SetClass(ctx context.Context, keys []string, to Class) error {
	class := s.cfg.HotClass
	if to == Cold {
		class = s.cfg.ColdClass
	} else if err := s.askRestores(ctx, keys); err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.setClass(ctx, k, to, class); err != nil {
			return err
		}
	}
	return nil
}

func (s *S3) setClass(ctx context.Context, key string, to Class, class types.StorageClass) error {
	h, err := s.head(ctx, key)
	if err != nil {
		return err
	}
	if h.Metadata[classMeta] == string(to) {
		return nil // the copy that set the metadata also set the class
	}
	if to == Hot && archived(h.StorageClass) {
		if err := s.restore(ctx, key, h.Restore == nil); err != nil {
			return err
		}
	}
	meta := h.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	meta[classMeta] = string(to)
	_, err = s.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.objectKey(key)),
		CopySource:        aws.String(url.PathEscape(s.cfg.Bucket) + "/" + escapeKey(s.objectKey(key))),
		StorageClass:      class,
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: meta,
		ContentType: h.ContentType,
	})
	return s.failed("CopyObject", key, err)
}

// archived reports classes whose objects cannot be read until restored.
func archived(c types.StorageClass) bool {
	return c == types.StorageClassGlacier || c == types.StorageClassDeepArchive
}

// askRestores asks S3 to restore each archived object of keys that is
// not restored or being restored yet (HEAD without x-amz-restore).
func (s *S3) askRestores(ctx context.Context, keys []string) error {
	for _, k := range keys {
		h, err := s.head(ctx, k)
		if err != nil {
			return err
		}
		if h.Metadata[classMeta] == string(Hot) || !archived(h.StorageClass) || h.Restore != nil {
			continue
		}
		if err := s.askRestore(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// askRestore asks S3 for a temporary copy of an archived object; one
// already being made is no error.
func (s *S3) askRestore(ctx context.Context, key string) error {
	_, err := s.client.RestoreObject(ctx, &s3.RestoreObjectInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.objectKey(key)),
		RestoreRequest: &types.RestoreRequest{Days: aws.Int32(s.cfg.RestoreDays), GlacierJobParameters: &types.GlacierJobParameters{Tier: types.TierStandard}},
	})
	var api smithy.APIError
	if err != nil && !(errors.As(err, &api) && api.ErrorCode() == "RestoreAlreadyInProgress") {
		return s.failed("RestoreObject", key, err)
	}
	return nil
}

// restore waits until the temporary copy of an archived object is
// ready, asking for it first when ask is set.
func (s *S3) restore(ctx context.Context, key string, ask bool) error {
	if ask {
		if err := s.askRestore(ctx, key); err != nil {
			return err
		}
	}
	for {
		h, err := s.head(ctx, key)
		if err != nil {
			return err
		}
		if r := aws.ToString(h.Restore); strings.Contains(r, `ongoing-request="false"`) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: waiting for the restore of %s: %w", key, ctx.Err())
		case <-time.After(s.cfg.RestorePoll):
		}
	}
}

// escapeKey escapes each path segment of a key for CopySource.
func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
