package graph

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
)

func readCorpus(f string) []byte {
	b, _ := os.ReadFile(f)
	lines := strings.Split(string(b), "\n")
	s, _ := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	return []byte(s)
}

func TestTmpCorpusPick(t *testing.T) {
	dir := os.Getenv("CORPUS")
	if dir == "" { t.Skip() }
	files, _ := filepath.Glob(filepath.Join(dir, "FuzzApply", "*"))
	for _, f := range files {
		data := readCorpus(f)
		if len(data) == 0 { continue }
		mode, data := data[0], data[1:]
		tx := new(messages.Transaction)
		if mode&4 != 0 { tx.Events = programEvents(data) } else if err := proto.Unmarshal(data, tx); err != nil { continue }
		g := fuzzSeed(t)
		if mode&1 != 0 { tx.Version = g.Version() + 1 }
		if mode&2 != 0 { for i, ev := range tx.Events { ev.GraphId, ev.Version, ev.Index, ev.Count = g.ID(), tx.Version, uint32(i), uint32(len(tx.Events)) } }
		err := g.Apply(tx)
		var rej *RejectedError
		switch {
		case err == nil: fmt.Println("APPLY ok", len(tx.Events), f)
		case errors.As(err, &rej): fmt.Println("APPLY rej"+sentinels(err), len(tx.Events), f)
		}
	}
	files, _ = filepath.Glob(filepath.Join(dir, "FuzzDecode", "*"))
	for _, f := range files {
		g, err := Decode(readCorpus(f))
		if err == nil { fmt.Println("DECODE ok", g.NodeCount()+g.EdgeCount(), f) }
	}
}
