// Package deploy is the deployment kit: systemd units, example configs,
// Prometheus scrape config and alert rules, the Grafana dashboard, the
// Debian package recipe and router examples (see README.md). It holds no
// code; its tests check the kit against the binary: every flag of each
// role is in its example config, every metric the dashboard and the
// alerts use exists in a live /metrics, and the package installs.
package deploy
