// Command ferretdb-embedded runs FerretDB with its SQLite backend as the
// embedded database for `npm start` and `npm test` when no MONGODB_URI is set.
//
// It uses the embeddable package rather than `go install .../cmd/ferretdb`
// because the command panics at start-up on a missing version.txt.
//
// Usage: ferretdb-embedded -dir <absolute data dir> [-listen 127.0.0.1:0]
// It prints one line `MONGODB_URI=<uri>` once it accepts connections and runs
// until SIGTERM/SIGINT, or until its standard input closes when -stdin-watch is
// given (so a crashed parent never leaves it running).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	_ "net/http/pprof" // served only when PONTE_FERRETDB_PPROF names an address
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("dir", "", "directory for the SQLite files (created if missing)")
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	stdinWatch := flag.Bool("stdin-watch", false, "exit when standard input closes")
	flag.Parse()

	// The Go collector ran on ~7% of FerretDB's CPU under the ingest benchmark; at 400% the heap
	// may grow to five times the live data (RSS 50 → 61 MiB at 200 msg/s) and the database spends
	// ~8% less CPU per message. GOGC in the environment still decides when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// Half the cores (at least one): the embedded database shares the machine with the hub, and
	// SQLite takes one writer at a time anyway. On 2 cores at 200 msg/s, one P spent 10% less CPU per
	// message than two (fewer cross-core wake-ups and GC workers) and cut p99 latency. GOMAXPROCS in
	// the environment still decides when set.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(max(1, runtime.NumCPU()/2))
	}

	// Profiling the embedded database under a benchmark: PONTE_FERRETDB_PPROF=127.0.0.1:6060.
	if addr := os.Getenv("PONTE_FERRETDB_PPROF"); addr != "" {
		go func() { log.Printf("ferretdb-embedded: pprof: %v", http.ListenAndServe(addr, nil)) }()
	}

	if *dir == "" {
		log.Fatal("-dir is required")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatalf("resolve -dir: %v", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		log.Fatalf("create -dir: %v", err)
	}
	// The data directory becomes the working directory and every SQLite name below is relative to it.
	// FerretDB parses its SQLite URI with url.Parse and hands SQLite a URI rebuilt from the decoded path
	// without escaping it again, and globs that path for existing databases: a DATA_DIR holding `%`, `?`
	// or `#` (URI syntax) or `[`, `*` (glob syntax) failed the start, or started on an empty catalogue
	// while the data sat on disk. "./" needs no escaping in either.
	if err := os.Chdir(abs); err != nil {
		log.Fatalf("enter -dir: %v", err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Handler:  "sqlite",
		// BEGIN IMMEDIATE: a write transaction takes SQLite's lock up front, so
		// concurrent writers wait (busy_timeout) instead of failing with
		// SQLITE_BUSY when a read transaction cannot be upgraded under WAL.
		// synchronous(normal): under WAL a commit no longer waits for fsync (a
		// checkpoint does). A crash of the process loses nothing; a power cut
		// may lose the last commits, like MongoDB's default journal interval.
		SQLiteURL: "file:./?_txlock=immediate&_pragma=synchronous(normal)&_pragma=temp_store(memory)",
	})
	if err != nil {
		log.Fatalf("start FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *stdinWatch {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	// Existing databases get their _id indexes before anyone connects; new collections within a tick.
	keeper := newIDIndexKeeper(".") // the data directory, entered above
	if err := keeper.pass(ctx); err != nil {
		log.Printf("ferretdb-embedded: _id index keeper: %v", err)
	}
	go keeper.run(ctx, 250*time.Millisecond)

	done := make(chan struct{})
	go func() {
		f.Run(ctx)
		close(done)
	}()

	fmt.Printf("MONGODB_URI=%s\n", f.MongoDBURI())
	_ = os.Stdout.Sync()
	<-done
}
