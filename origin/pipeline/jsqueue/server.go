package jsqueue

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig is the NATS server the controller embeds.
type ServerConfig struct {
	// Listen is the client address, host:port; workers connect to it.
	Listen string
	// StoreDir is JetStream's storage (the controller's --data/nats).
	StoreDir string
}

// Server is an embedded NATS server with JetStream.
type Server struct{ ns *server.Server }

// StartServer starts the server and waits until it takes connections.
func StartServer(cfg ServerConfig) (*Server, error) {
	host, p, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("jsqueue: NATS listen address %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("jsqueue: NATS listen address %q: bad port", cfg.Listen)
	}
	if cfg.StoreDir == "" {
		return nil, fmt.Errorf("jsqueue: the embedded NATS needs a storage directory")
	}
	opts := &server.Options{Host: host, Port: port, JetStream: true, StoreDir: cfg.StoreDir, NoSigs: true, NoLog: true, ServerName: "vodedge-controller"}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("jsqueue: NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("jsqueue: NATS server on %s did not start", cfg.Listen)
	}
	return &Server{ns: ns}, nil
}

// URL is the address clients connect to.
func (s *Server) URL() string { return s.ns.ClientURL() }

// Close stops the server and waits until it has.
func (s *Server) Close() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}
