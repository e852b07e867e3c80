package disktier

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// Real kernel faults under a disk: an ext4 filesystem on a loop device,
// turned read-only (as the kernel does after a drive's write errors,
// errors=remount-ro) or shut down (every I/O then fails with EIO, as a
// dead drive's). Not injected errors: Pebble, the data files and the
// health check meet them in the kernel. The tests need root and skip
// without it.

// loopExt4 mounts a fresh 128 MiB ext4 image at dir with
// errors=remount-ro, or skips the test when it cannot.
func loopExt4(t *testing.T, dir string) {
	t.Helper()
	img := filepath.Join(t.TempDir(), "disk.img")
	for _, c := range [][]string{{"truncate", "-s", "128M", img}, {"mkfs.ext4", "-q", "-F", img}, {"mkdir", "-p", dir}, {"mount", "-o", "loop,errors=remount-ro", img, dir}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Skipf("%s: %v %s (needs root and loop devices)", c[0], err, out)
		}
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s; detaching it", dir, err, out)
			_ = exec.Command("umount", "-l", dir).Run()
		}
	})
}

// ext4Shutdown is EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_NOLOGFLUSH:
// the filesystem fails every later operation with EIO.
func ext4Shutdown(t *testing.T, dir string) {
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags := uint32(2)
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), 0x8004587D, uintptr(unsafe.Pointer(&flags))); e != 0 {
		t.Fatalf("EXT4_IOC_SHUTDOWN: %v", e)
	}
}

// kernelFault runs a two-disk tier with d1 on its own ext4, applies
// fault to that filesystem, and checks d1 fails for want and d0 serves.
func kernelFault(t *testing.T, fault func(mnt string), want string) {
	cfg := multiCfg(t, 2)
	mnt := filepath.Join(filepath.Dir(cfg.Disks[1].Path), "mnt")
	loopExt4(t, mnt)
	cfg.Disks[1] = Disk{Path: mnt + "/d1", CapacityBytes: 32 << 20}
	s := openStore(t, cfg, Deps{})
	objs := fillDisks(t, s, 5)
	fault(mnt)
	info := waitState(t, s, "d1", stateFailed)
	if !strings.Contains(info.Reason, want) {
		t.Errorf("d1 failed for %q, want %q", info.Reason, want)
	}
	t.Logf("d1: %s", info.Reason)
	checkServes(t, s, survivors(objs, "d1"))
}

func TestReadOnlyFilesystemFailsTheDisk(t *testing.T) {
	kernelFault(t, func(mnt string) {
		if out, err := exec.Command("mount", "-o", "remount,abort", mnt).CombinedOutput(); err != nil {
			t.Fatalf("remount,abort: %v %s", err, out)
		}
	}, "read-only")
}

func TestDeadFilesystemFailsTheDisk(t *testing.T) {
	kernelFault(t, func(mnt string) { ext4Shutdown(t, mnt) }, "")
}
