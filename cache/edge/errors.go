package edge

import "github.com/vodedge/vodedge/internal/daemon"

// FieldError is a failure New traces to one field of the Config: a
// listener that cannot bind ("Listen", "TLSListen", "Admin",
// "Cluster.PeerListen"), a certificate that does not load ("TLS"), a disk
// directory or access log that cannot be used ("Disk", "AccessLog"), an
// origin that cannot be opened ("Origin"), an access log that cannot be
// shipped ("Report"). A command line names its flag
// instead of the field.
type FieldError = daemon.FieldError
