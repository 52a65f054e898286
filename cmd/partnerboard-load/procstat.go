package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procSample is what Linux says about a process at one moment.
type procSample struct {
	At      time.Time
	CPU     time.Duration // user + system time since the process started
	RSS     int64         // bytes resident now (VmRSS)
	HWM     int64         // peak resident bytes (VmHWM)
	Threads int
}

// readProc samples /proc/<pid>/stat and /proc/<pid>/status; pid 0 is this
// process.
func readProc(pid int) (procSample, error) {
	dir := "/proc/self"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	s := procSample{At: time.Now()}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, err
	}
	ticks, threads, err := parseStat(stat)
	if err != nil {
		return s, fmt.Errorf("%s/stat: %w", dir, err)
	}
	s.CPU = time.Duration(ticks) * time.Second / time.Duration(clockTicks())
	s.Threads = threads
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return s, err
	}
	if s.RSS, s.HWM, err = parseStatus(status); err != nil {
		return s, fmt.Errorf("%s/status: %w", dir, err)
	}
	return s, nil
}

// parseStat returns utime + stime (in clock ticks) and the thread count
// from the contents of /proc/<pid>/stat (proc(5)). The command name, field
// 2, is in parentheses and may itself hold spaces and parentheses, so the
// fields are counted from the last ')'.
func parseStat(b []byte) (ticks uint64, threads int, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, errors.New("no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime is field 14, stime 15, num_threads 20.
	if len(f) < 18 {
		return 0, 0, fmt.Errorf("%d fields after the name, want at least 18", len(f))
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	n, err3 := strconv.Atoi(f[17])
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, 0, err
	}
	return utime + stime, n, nil
}

// parseStatus returns VmRSS and VmHWM in bytes from /proc/<pid>/status.
func parseStatus(b []byte) (rss, hwm int64, err error) {
	found := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("%s: unexpected value %q", key, val)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("no VmRSS and VmHWM (is it a kernel thread?)")
	}
	return rss, hwm, nil
}

// clockTicks is the unit of the CPU times in /proc/<pid>/stat
// (sysconf(_SC_CLK_TCK)). Without cgo it is read from the auxiliary
// vector the kernel gave this process; 100 is what Linux uses almost
// everywhere.
var clockTicks = sync.OnceValue(func() int64 {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	if hz := auxvClockTicks(b); hz > 0 {
		return hz
	}
	return 100
})

// atClkTck is the auxiliary vector's key for the clock tick rate.
const atClkTck = 17

// auxvClockTicks finds AT_CLKTCK in an auxiliary vector of 64-bit
// native-endian (key, value) pairs; 0 if it is not there.
func auxvClockTicks(b []byte) int64 {
	for ; len(b) >= 16; b = b[16:] {
		key := binary.NativeEndian.Uint64(b)
		val := binary.NativeEndian.Uint64(b[8:])
		if key == 0 { // AT_NULL ends the vector
			return 0
		}
		if key == atClkTck {
			return int64(val)
		}
	}
	return 0
}

// machineSample is the CPU time every process and the kernel have used
// on the machine, from the first line of /proc/stat.
type machineSample struct {
	At   time.Time
	Busy time.Duration // all CPUs: user, nice, system, irq, softirq, steal
	IRQ  time.Duration // of which irq and softirq, e.g. loopback TCP delivery
}

// machineCPU samples /proc/stat, so a report can show how much of the
// shared cores went to neither the server nor the load generator.
func machineCPU() (machineSample, error) {
	s := machineSample{At: time.Now()}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	busy, irq, err := parseMachineStat(b)
	if err != nil {
		return s, fmt.Errorf("/proc/stat: %w", err)
	}
	hz := time.Duration(clockTicks())
	s.Busy = time.Duration(busy) * time.Second / hz
	s.IRQ = time.Duration(irq) * time.Second / hz
	return s, nil
}

// parseMachineStat returns the busy ticks of all CPUs together from the
// contents of /proc/stat, and the irq and softirq part of them. Idle and
// iowait are not busy; guest time is already counted in user.
func parseMachineStat(b []byte) (busy, irq uint64, err error) {
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, errors.New("no cpu line")
	}
	// user nice system idle iowait irq softirq steal
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		busy += v
		if i == 6 || i == 7 {
			irq += v
		}
	}
	return busy, irq, nil
}

// machinePercent is the CPU the machine used between two samples, and the
// irq part of it, in percent of one core.
func machinePercent(a, b machineSample) (busy, irq float64) {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0, 0
	}
	return 100 * float64(b.Busy-a.Busy) / float64(wall), 100 * float64(b.IRQ-a.IRQ) / float64(wall)
}

// cpuPercent is the CPU a process used between two samples, in percent of
// one core (so up to 100 × cores).
func cpuPercent(a, b procSample) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return 100 * float64(b.CPU-a.CPU) / float64(wall)
}
