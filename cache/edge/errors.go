package edge

// FieldError is a failure New traces to one field of the Config: a
// listener that cannot bind, a certificate that does not load, a disk
// directory or access log that cannot be used, an origin that cannot be
// opened. A command line names its flag instead of the field.
type FieldError struct {
	Field string // "Listen", "TLSListen", "Admin", "TLS", "Origin", "Disk", "AccessLog", "Cluster.PeerListen"
	Err   error
}

func (e *FieldError) Error() string { return "edge: " + e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr wraps err for field; nil stays nil.
func fieldErr(field string, err error) error {
	if err == nil {
		return nil
	}
	return &FieldError{Field: field, Err: err}
}
