// A Go program using go-pathrs's procfs package, built by scripts/capi.sh
// against safe-procfs's C library installed as "pathrs" (pkg-config) when a
// Go toolchain and a copy of go-pathrs are at hand. Prints one line per
// check and "N passed, N failed".
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"cyphar.com/go-pathrs/procfs"
	"golang.org/x/sys/unix"
)

func main() {
	passed, failed := 0, 0
	check := func(ok bool, format string, args ...any) {
		if ok {
			passed++
		} else {
			failed++
			fmt.Printf("FAIL: "+format+"\n", args...)
		}
	}
	proc, err := procfs.Open()
	check(err == nil, "procfs.Open: %v", err)
	if err == nil {
		f, err := proc.OpenSelf("status", unix.O_RDONLY)
		check(err == nil, "OpenSelf(status): %v", err)
		if err == nil {
			buf := make([]byte, 64)
			n, _ := f.Read(buf)
			check(strings.HasPrefix(string(buf[:n]), "Name:"), "status: %q", buf[:n])
			f.Close()
		}
		f, err = proc.OpenRoot("sys/kernel/ostype", unix.O_RDONLY)
		check(err == nil, "OpenRoot(sys/kernel/ostype): %v", err)
		if err == nil {
			f.Close()
		}
		f, closer, err := proc.OpenThreadSelf("comm", unix.O_RDONLY)
		check(err == nil, "OpenThreadSelf(comm): %v", err)
		if err == nil {
			f.Close()
			closer()
		}
		link, err := proc.Readlink(procfs.ProcRoot, "self")
		check(err == nil && link == strconv.Itoa(os.Getpid()), "Readlink(self) = %q, %v", link, err)
		_, err = proc.OpenSelf("does-not-exist", unix.O_RDONLY)
		check(errors.Is(err, unix.ENOENT), "missing: %v", err)
		_, err = proc.OpenSelf("root/etc", unix.O_RDONLY)
		check(errors.Is(err, unix.ELOOP), "magic-link inside: %v", err)
		_, err = proc.OpenPid(os.Getpid(), "status", unix.O_RDONLY|unix.O_CREAT)
		check(errors.Is(err, unix.EINVAL), "O_CREAT: %v", err)
		check(proc.Close() == nil, "Close")
	}
	unmasked, err := procfs.Open(procfs.UnmaskedProcRoot)
	check(err == nil, "procfs.Open(UnmaskedProcRoot): %v", err)
	if err == nil {
		f, err := unmasked.OpenRoot("uptime", unix.O_RDONLY)
		check(err == nil, "unmasked OpenRoot(uptime): %v", err)
		if err == nil {
			f.Close()
		}
		check(unmasked.Close() == nil, "unmasked Close")
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
