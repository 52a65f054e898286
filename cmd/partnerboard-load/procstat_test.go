package main

import (
	"encoding/binary"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A command name with spaces and parentheses, as proc(5) allows.
	stat := "4242 (pb (test) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 731 269 0 0 20 0 9 0 123456 1234567 890 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	ticks, threads, err := parseStat([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if ticks != 731+269 || threads != 9 {
		t.Fatalf("ticks %d threads %d, want 1000 and 9", ticks, threads)
	}
	for _, bad := range []string{"", "12 (x) S 1 2", "12 (x) S 1 2 3 4 5 6 7 8 9 10 u s 0 0 20 0 9"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tpartnerboard\nVmPeak:\t 2000 kB\nVmHWM:\t   81920 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n"
	rss, hwm, err := parseStatus([]byte(status))
	if err != nil {
		t.Fatal(err)
	}
	if rss != 40960<<10 || hwm != 81920<<10 {
		t.Fatalf("rss %d hwm %d", rss, hwm)
	}
	if _, _, err := parseStatus([]byte("Name:\tkthreadd\n")); err == nil {
		t.Error("a status without VmRSS must fail")
	}
	if _, _, err := parseStatus([]byte("VmRSS:\t12 MB\nVmHWM:\t1 kB\n")); err == nil {
		t.Error("a unit other than kB must fail")
	}
}

func TestParseMachineStat(t *testing.T) {
	stat := "cpu  179386 48 56029 400837 2670 10 5689 7 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"
	busy, irq, err := parseMachineStat([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(179386 + 48 + 56029 + 10 + 5689 + 7); busy != want || irq != 10+5689 {
		t.Fatalf("busy %d irq %d, want %d and %d", busy, irq, want, 10+5689)
	}
	if _, _, err := parseMachineStat([]byte("intr 1 2 3\n")); err == nil {
		t.Fatal("a /proc/stat without a cpu line must fail")
	}
}

func TestAuxvClockTicks(t *testing.T) {
	pair := func(k, v uint64) []byte {
		b := make([]byte, 16)
		binary.NativeEndian.PutUint64(b, k)
		binary.NativeEndian.PutUint64(b[8:], v)
		return b
	}
	var auxv []byte
	auxv = append(auxv, pair(6, 4096)...) // AT_PAGESZ
	auxv = append(auxv, pair(atClkTck, 250)...)
	auxv = append(auxv, pair(0, 0)...)
	if got := auxvClockTicks(auxv); got != 250 {
		t.Fatalf("got %d, want 250", got)
	}
	if got := auxvClockTicks(pair(0, 0)); got != 0 {
		t.Fatalf("an empty vector gave %d", got)
	}
}

func TestReadProcSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	a, err := readProc(0)
	if err != nil {
		t.Fatal(err)
	}
	// Burn some CPU so the difference is visible.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	b, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.RSS <= 0 || b.HWM < b.RSS || b.Threads < 1 {
		t.Fatalf("implausible sample %+v", b)
	}
	if p := cpuPercent(a, b); p <= 0 || p > 100*float64(runtime.NumCPU())+20 {
		t.Fatalf("cpu %v%%", p)
	}
}
