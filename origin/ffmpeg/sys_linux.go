package ffmpeg

import "syscall"

// sysProcAttr kills ffmpeg with the controller (see doc.go).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
