package controller

import (
	"path/filepath"
	"strings"
)

// Directories under DataDir.
func (s *Server) dbDir() string      { return filepath.Join(s.cfg.DataDir, "db") }
func (s *Server) indexDir() string   { return filepath.Join(s.cfg.DataDir, "search.bleve") }
func (s *Server) uploadsDir() string { return filepath.Join(s.cfg.DataDir, "uploads") }
func (s *Server) sourceDir(id string) string {
	return filepath.Join(s.cfg.DataDir, "sources", id)
}
func (s *Server) workDir(id string) string { return filepath.Join(s.cfg.DataDir, "work", id) }

// sourceExt keeps a short, plain extension of the uploaded file name
// (ffprobe does not need it; operators like to see it).
func sourceExt(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if len(ext) < 2 || len(ext) > 8 {
		return ""
	}
	for _, c := range ext[1:] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return ""
		}
	}
	return ext
}
