package webui

import (
	"context"
	"fmt"
	"time"
)

// Registry is the controller's live node registry (GET /v1/sites on
// its API), which the status page lists per site: every node the
// controller plans or has planned, where it came from and when it last
// reported.
type Registry interface {
	Sites(ctx context.Context) ([]RegistrySite, error)
}

// RegistryFunc adapts a function to Registry.
type RegistryFunc func(ctx context.Context) ([]RegistrySite, error)

// Sites calls f.
func (f RegistryFunc) Sites(ctx context.Context) ([]RegistrySite, error) { return f(ctx) }

// RegistrySite is a site's nodes in the registry.
type RegistrySite struct {
	Name string `json:"name"`
	// Parents are the sites it fills from before the origin.
	Parents []string       `json:"parents,omitempty"`
	Nodes   []RegistryNode `json:"nodes"`
}

// RegistryNode is a node in the registry.
type RegistryNode struct {
	Name string `json:"name"`
	// Source is static (the sites file) or registered (by heartbeat).
	Source string `json:"source"`
	// State is live (reported within the grace), seeded (static, never
	// reported: planned) or expired (silent past the grace: not planned).
	State         string    `json:"state"`
	Version       string    `json:"version,omitempty"`
	CapacityBytes int64     `json:"capacity_bytes"`
	LastReport    time.Time `json:"last_report,omitzero"`
}

// registryView is what the registry answered.
type registryView struct {
	err   error
	sites []RegistrySite
}

func (m *Monitor) registry(ctx context.Context) registryView {
	if m.reg == nil {
		return registryView{}
	}
	sites, err := m.reg.Sites(ctx)
	return registryView{err: err, sites: sites}
}

// applyRegistry adds the registry's nodes to their sites, and to each
// node the monitor shows its registry entry; a node the registry no
// longer plans is a WARN.
func applyRegistry(sites map[string]*SiteStatus, v registryView, now time.Time) {
	for _, rs := range v.sites {
		site := sites[rs.Name]
		if site == nil {
			site = &SiteStatus{Name: rs.Name, State: OK}
			sites[rs.Name] = site
		}
		site.Registry, site.Parents = rs.Nodes, rs.Parents
		for i := range site.Nodes {
			n := &site.Nodes[i]
			for j := range rs.Nodes {
				if rn := &rs.Nodes[j]; rn.Name == n.Name {
					n.Registry = rn
					registryProblem(n, rn, now)
				}
			}
		}
	}
}

func registryProblem(n *NodeStatus, rn *RegistryNode, now time.Time) {
	if rn.State != "expired" {
		return
	}
	msg := "the controller plans it no more: no heartbeat"
	if !rn.LastReport.IsZero() {
		msg = fmt.Sprintf("the controller plans it no more: last heartbeat %s ago", now.Sub(rn.LastReport).Round(time.Second))
	}
	n.Problems = append(n.Problems, Problem{Component: "registry", Level: Warn, Message: msg})
	n.State = worst(n.State, Warn)
}
