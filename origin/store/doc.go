// Package store publishes a title's files to the origin store that edges
// read from, and moves titles between storage classes.
//
// # Object layout (shared with the edges)
//
// Every published object lives under titles/{id}/, where {id} is the
// catalog's title ID ([a-z0-9-], at most 64 bytes):
//
//	titles/{id}/master.m3u8                   HLS master playlist
//	titles/{id}/manifest.mpd                  DASH MPD over the same segments
//	titles/{id}/{rendition}/init.mp4          CMAF init segment
//	titles/{id}/{rendition}/seg-{n:05}.m4s    CMAF media segments, n from 00000
//	titles/{id}/{rendition}/index.m3u8        HLS media playlist
//	titles/{id}/subs-{lang}/seg-{n:05}.vtt    WebVTT segments, the video's boundaries
//	titles/{id}/subs-{lang}/index.m3u8        HLS subtitle playlist
//	titles/{id}/subs-{lang}/subtitles.vtt     the whole WebVTT (DASH text)
//
// Renditions are named {kind}-{codec}-{label}: video-h264-1080p,
// video-hevc-720p, audio-aac-128k (audio-aac-128k-{lang}-a{n} when a title
// has several audio streams); subtitle tracks subs-{lang} (a BCP 47 tag;
// subs-{lang}-2 for a second track of a language). Playlists reference
// their neighbours by relative names only, so the tree can sit under any prefix. An edge
// started with --origin file:///STORE, --origin http://controller:port or
// --origin s3://bucket[/prefix] serves /titles/{id}/master.m3u8 unchanged.
//
// Files are published segments first and manifests last (index.m3u8, then
// master.m3u8 and manifest.mpd), so a player that finds a manifest finds
// everything it names. Each file's size and SHA-256 are computed before
// upload and recorded in the catalog (and, on S3, as x-amz-meta-sha256),
// for fill agents to verify.
//
// # Stores
//
//   - Local: a directory (the default, under the controller's --data, or
//     file:///dir). Writes go to a temporary name in the same directory,
//     are fsynced and renamed, so a reader never sees half a file. All
//     paths go through os.Root: no key can name a file outside it.
//   - S3: a bucket and optional prefix through aws-sdk-go-v2. Files above
//     MultipartThreshold are sent as a multipart upload (MultipartPartSize
//     parts, aborted on failure), smaller ones with one PutObject.
//
// # Storage classes
//
// A title is hot or cold. On S3, demoting copies each object onto itself
// with the cold storage class (default GLACIER_IR, which edges can still
// read; DEEP_ARCHIVE and GLACIER need a RestoreObject before reading) and
// records x-amz-meta-vodedge-class, which S3-compatible servers that ignore
// storage classes (versitygw) keep too. Restoring copies back to STANDARD,
// after RestoreObject for the archive classes. In a local store the cold
// class is the cold/ prefix: cold/titles/{id}/…, which is not served;
// restoring moves the files back. Every move is per file and idempotent,
// so an interrupted demote or restore completes when run again. A
// restore from an archive class asks S3 to restore every archived object
// of the title first, then waits (RestorePoll) and copies each back, so
// a title takes one restore time, not one per file.
//
// versitygw, the tests' S3 server, keeps every object STANDARD and
// answers RestoreObject 501; the archive path is tested through
// internal/testenv's Glacier proxy, which emulates InvalidObjectState,
// x-amz-restore and RestoreObject in front of it (cmd/vodedge
// TestArchivedTitleOnAnS3Edge). Nothing is tested against AWS itself.
//
// Imports aws-sdk-go-v2 (S3) and the standard library; it knows nothing
// about the catalog or the pipeline.
package store
