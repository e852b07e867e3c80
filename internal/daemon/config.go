package daemon

import (
	"net"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// CheckAddrs returns what is wrong with a daemon's addresses and its
// certificate files, naming the configuration fields: Listen and Admin
// are required and differ (admin routes never go on the public
// listener), TLSListen needs both files, and the files need TLSListen.
func CheckAddrs(a Addrs, certFile, keyFile string) []string {
	var errs []string
	if a.Public == "" || a.Admin == "" {
		errs = append(errs, "Listen and Admin are required")
	}
	if SameAddr(a.Public, a.Admin) {
		errs = append(errs, "Admin must differ from Listen ("+a.Public+"): admin routes never go on the public listener")
	}
	switch {
	case a.TLS != "" && (certFile == "" || keyFile == ""):
		errs = append(errs, "TLSListen needs TLS.CertFile and TLS.KeyFile")
	case a.TLS == "" && (certFile != "" || keyFile != ""):
		errs = append(errs, "TLS.CertFile and TLS.KeyFile need TLSListen (the HTTPS address)")
	}
	return errs
}

// Dialable turns a bound address into one to dial from this host: the
// unspecified address ("[::]:8070", "0.0.0.0:8070", ":8070") becomes
// 127.0.0.1.
func Dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// NewRegistry is a daemon's metrics registry, with the Go runtime's and
// the process's collectors. Each daemon has its own, so that several run
// in one process (the demo, the tests).
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
