// go-gzip-size: the size of Go's gzip of each input, as the VictoriaMetrics operator computes it
// (build.GzipConfig: gzip.NewWriter at the default level, internal/controller/operator/factory/build/
// build.go:299 at v0.74.1). Go's compress/flate is not zlib: sizes differ by several percent, and the
// operator splits a scrape config into buckets by this size, so vmscrape asks Go itself.
//
// Protocol: stdin is a stream of frames, each an 8-byte big-endian length then that many bytes; for
// each frame one decimal line (the gzip size) is written to stdout and flushed.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

type counter struct{ n int }

func (c *counter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	var header [8]byte
	for {
		if _, err := io.ReadFull(in, header[:]); err != nil {
			if err == io.EOF {
				return
			}
			fmt.Fprintln(os.Stderr, "go-gzip-size:", err)
			os.Exit(1)
		}
		size := int64(binary.BigEndian.Uint64(header[:]))
		var c counter
		w := gzip.NewWriter(&c)
		if _, err := io.CopyN(w, in, size); err != nil {
			fmt.Fprintln(os.Stderr, "go-gzip-size:", err)
			os.Exit(1)
		}
		if err := w.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "go-gzip-size:", err)
			os.Exit(1)
		}
		fmt.Fprintln(out, c.n)
		out.Flush()
	}
}
