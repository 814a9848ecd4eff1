package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/natsnode"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

const migrateUsage = `node migrate converts a log of format 1 (stream --stream, one message per
event on event.store.<graph>.<EventType>) into the log this version reads
(streams <stream>-<p>, one message per transaction), keeping every graph's
versions, transaction IDs, events, metadata and recorded times, and checks
every graph of the result against the original.

Stop every node first. node migrate takes the node's settings (flags, the
--config file, GRAPHLOG_ environment variables) and uses: --nats-url, or,
when it is empty, the embedded NATS server on --data-dir as the node runs
it; the NATS credentials and TLS settings; --stream, --partitions,
--replicas, --duplicate-window and --max-transaction-bytes. It can be
stopped at any point and run again: it goes on where it stopped. The
original stream is kept, marked graphlog.migrated=true; delete it once
satisfied.

The node's settings follow; only those named above matter here.

`

// Tuning of a migration.
const (
	// migrateWorkers is how many graphs are converted at a time. A graph's
	// transactions go one after the other, each stating the sequence of
	// the one before; graphs are independent.
	migrateWorkers = 8
	// v1ReadBatch is how many messages of the format 1 stream one direct
	// get asks for.
	v1ReadBatch = 1000
	// publishAttempts bounds the tries to store one transaction; each
	// failure is followed by a look at what the log holds.
	publishAttempts = 5
	// checkReads bounds the reads of a graph's converted log in its
	// check: a replica that has not caught up may answer a read short.
	checkReads = 3
	// migrateWarnings bounds the warnings logged one by one; the summary
	// counts them all.
	migrateWarnings = 100
)

// errMigrateInterrupted is what a migration stopped by its context
// returns: running it again goes on where it stopped.
var errMigrateInterrupted = errors.New("the migration was interrupted; run node migrate again to go on where it stopped")

// migrateOptions configure a migration.
type migrateOptions struct {
	// Log is the log to write: Stream also names the stream of format 1.
	Log natsjs.Config
	// Workers is how many graphs are converted at a time; 0 is
	// migrateWorkers.
	Workers int
	// Logger gets the warnings; nil discards them.
	Logger *slog.Logger
	// ProgressEvery is how often a progress line is written; 0 writes
	// only the last.
	ProgressEvery time.Duration
	// afterCopy, when set, is called after every transaction this run
	// stored, with how many it has stored. Tests interrupt a run from it.
	afterCopy func(copied int64)
}

// migrateSummary is what a migration did.
type migrateSummary struct {
	// Stream is the stream of format 1; Partitions the converted log's.
	Stream     string
	Partitions int
	// Done, when set, says why there was nothing to do.
	Done string
	// Graphs counts the graphs of the stream of format 1.
	Graphs int
	// Transactions counts the graphs' transactions, all in the converted
	// log now: Copied of them stored by this run, Found by an earlier one.
	Transactions, Copied, Found int64
	// Events counts the events of those transactions.
	Events int64
	// Undecodable counts messages that are no event, skipped as every
	// reader of format 1 skipped them.
	Undecodable int64
	// Unversioned counts transactions of version 0, which no reader
	// applied; they are not copied.
	Unversioned int64
	// Malformed counts transactions whose envelopes made every reader of
	// format 1 reject them as a whole (an incomplete transaction, an
	// event naming another graph or index): copied with a rejection
	// marker, so that they are rejected as a whole again.
	Malformed int64
	// NotGraphs counts messages on subjects that name no valid graph.
	NotGraphs int64
	// Foreign counts graphs of the converted log that the stream of
	// format 1 does not have; they are left alone.
	Foreign int
	Elapsed time.Duration
}

// runMigrate is `node migrate`: it reads the node's settings, reaches
// NATS as the node does and migrates.
func runMigrate(args []string, out, progress io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fmt.Fprint(progress, migrateUsage)
			break
		}
	}
	cfg, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	js, closeNATS, err := migrateConnect(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeNATS()
	sum, err := migrate(ctx, js, migrateOptions{
		Log:           logConfig(cfg),
		Logger:        logger,
		ProgressEvery: time.Second,
	}, progress)
	if err != nil {
		return err
	}
	sum.print(out)
	return nil
}

// migrateConnect connects to NATS as the node does: to --nats-url, or to
// the embedded server, started on the node's data directory. It refuses a
// data directory without NATS data rather than migrate an empty new one.
func migrateConnect(ctx context.Context, cfg config.Config, logger *slog.Logger) (jetstream.JetStream, func(), error) {
	url := cfg.NATS.URL
	var srv *natsnode.Server
	if cfg.Embedded() {
		opts, err := embeddedOptions(cfg, logger)
		if err != nil {
			return nil, nil, err
		}
		if _, err := os.Stat(opts.DataDir); err != nil {
			return nil, nil, fmt.Errorf("no NATS data in %s (%w); set --%s to the node's data directory, or --%s to its NATS server",
				opts.DataDir, err, config.FlagDataDir, config.FlagNATSURL)
		}
		if srv, err = natsnode.Start(opts); err != nil {
			return nil, nil, fmt.Errorf("starting the embedded NATS server: %w", err)
		}
		url = srv.ClientURL()
	}
	closeAll := func() {
		if srv != nil {
			srv.Shutdown()
		}
	}
	copts, err := connectOptions(cfg, logger)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	nc, err := nats.Connect(url, copts...)
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("connecting to NATS at %s: %w; check --%s", url, err, config.FlagNATSURL)
	}
	closeAll = func() {
		nc.Close()
		if srv != nil {
			srv.Shutdown()
		}
	}
	js, err := jetstream.New(nc)
	if err == nil {
		err = waitJetStream(ctx, js, logger)
	}
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return js, closeAll, nil
}

// migrate converts the stream of format 1 named opts.Log.Stream into the
// log of opts.Log, writing progress lines to progress:
//
//  1. It freezes the stream: moves it off event.store.> (which overlaps
//     the partition streams' subjects) onto a subject nobody writes to,
//     keeping its messages, and marks it migrating.
//  2. It opens the log beside it (natsjs.OpenForMigration).
//  3. For each graph of the stream, it reads the graph's events in order,
//     groups them into transactions as every reader of format 1 did, and
//     stores each transaction as one message of the log with its
//     version, ID, events and original recorded time, stating the
//     graph's last sequence so that nothing is stored twice. A graph's
//     transactions already in the log (an earlier, interrupted run) are
//     checked and skipped, by position: the log holds the graph's first n
//     transactions, nothing else.
//  4. It checks each graph: the converted history is the original one
//     transaction for transaction, and folding it gives the state that
//     folding the original gives.
//  5. It marks the stream migrated, which lets nodes start beside it.
func migrate(ctx context.Context, js jetstream.JetStream, opts migrateOptions, progress io.Writer) (migrateSummary, error) {
	begin := time.Now()
	if err := opts.Log.Validate(); err != nil {
		return migrateSummary{}, err
	}
	name := cmp.Or(opts.Log.Stream, natsjs.DefaultStream)
	sum := migrateSummary{Stream: name}

	legacy, err := js.Stream(ctx, name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		first := natsjs.StreamName(name, 0)
		if _, err := js.Stream(ctx, first); err == nil {
			sum.Done = fmt.Sprintf("there is no stream %s, and stream %s holds a log of format 2: the log is converted already", name, first)
			return sum, nil
		} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
			return sum, fmt.Errorf("look up stream %s: %w", first, err)
		}
		return sum, fmt.Errorf("there is no stream %s (a log of format 1) nor %s (format 2) on this NATS server: nothing to convert; check --%s or --%s, and --%s",
			name, first, config.FlagNATSURL, config.FlagDataDir, config.FlagStream)
	case err != nil:
		return sum, fmt.Errorf("look up stream %s: %w", name, err)
	}
	if natsjs.LegacyMigrated(legacy.CachedInfo().Config) {
		sum.Done = fmt.Sprintf("stream %s was converted already (its metadata says %s=true); delete it once satisfied: nats stream rm %s",
			name, natsjs.MetaMigrated, name)
		return sum, nil
	}
	if err := freezeLegacy(ctx, js, legacy.CachedInfo().Config); err != nil {
		return sum, err
	}
	log, err := natsjs.OpenForMigration(ctx, js, opts.Log)
	if err != nil {
		return sum, err
	}
	m := &migration{
		js:     js,
		opts:   opts,
		legacy: name,
		log:    log,
		cfg:    log.Config(),
		logger: cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
	}
	sum.Partitions = m.cfg.Partitions
	ids, err := m.list(ctx, &sum)
	if err != nil {
		return sum, err
	}
	sum.Graphs = len(ids)

	stopProgress := m.progress(progress, len(ids), opts.ProgressEvery)
	err = m.run(ctx, ids, cmp.Or(opts.Workers, migrateWorkers))
	stopProgress()
	m.fill(&sum)
	if err != nil {
		return sum, err
	}
	if err := markMigrated(ctx, js, name); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(begin)
	return sum, nil
}

// freezeLegacy moves the stream of format 1 off the log's subjects onto
// one nobody writes to, keeping its messages, and marks it migrating. A
// frozen stream is left as it is, so that a migration can be run again.
func freezeLegacy(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) error {
	frozen := natsjs.LegacyFrozenSubject(cfg.Name)
	holds := slices.Contains(cfg.Subjects, natsjs.LegacySubjects)
	if !holds && !slices.Contains(cfg.Subjects, frozen) {
		return fmt.Errorf("stream %s captures %s, not %s: it is not a graphlog log of format 1; set --%s to the log's stream name",
			cfg.Name, strings.Join(cfg.Subjects, ", "), natsjs.LegacySubjects, config.FlagStream)
	}
	if !holds && cfg.Metadata[natsjs.MetaMigrating] == "true" && cfg.AllowDirect {
		return nil
	}
	cfg.Subjects = append(slices.DeleteFunc(slices.Clone(cfg.Subjects), func(s string) bool {
		return s == natsjs.LegacySubjects || s == frozen
	}), frozen)
	cfg.Metadata = maps.Clone(cfg.Metadata)
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]string{}
	}
	cfg.Metadata[natsjs.MetaFormat] = "1"
	cfg.Metadata[natsjs.MetaMigrating] = "true"
	// Graphs are read by batched direct get.
	cfg.AllowDirect = true
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("freeze stream %s (move it from %s to %s, keeping its messages): %w",
			cfg.Name, natsjs.LegacySubjects, frozen, err)
	}
	return nil
}

// markMigrated records on the stream of format 1 that every graph was
// converted and checked; nodes then start beside it.
func markMigrated(ctx context.Context, js jetstream.JetStream, name string) error {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", name, err)
	}
	cfg := s.CachedInfo().Config
	cfg.Metadata = maps.Clone(cfg.Metadata)
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]string{}
	}
	delete(cfg.Metadata, natsjs.MetaMigrating)
	cfg.Metadata[natsjs.MetaMigrated] = "true"
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("every graph is converted and checked, but marking stream %s migrated failed (run node migrate again): %w", name, err)
	}
	return nil
}

// migration is the state of one run of migrate.
type migration struct {
	js     jetstream.JetStream
	opts   migrateOptions
	legacy string // the stream of format 1
	log    *natsjs.Log
	cfg    natsjs.Config // the log's, defaults filled in
	logger *slog.Logger
	parts  []jetstream.Stream
	// have is how many messages each graph subject of the log held when
	// the run began; read only once the workers run.
	have map[string]uint64

	graphsDone, transactions, copied, found, events             atomic.Int64
	undecodable, unversioned, malformed, notGraphs, warnedCount atomic.Int64
	copyBegin                                                   time.Time
}

// list returns the graphs of the stream of format 1, sorted, and reads
// how many transactions each graph subject of the log holds.
//
// The server answers a stream info with subjects in pages of up to 100,000
// subjects, which the client joins into one map: a log of millions of
// graphs costs that many requests and the map's memory.
func (m *migration) list(ctx context.Context, sum *migrateSummary) ([]string, error) {
	legacy, err := m.js.Stream(ctx, m.legacy)
	if err != nil {
		return nil, fmt.Errorf("look up stream %s: %w", m.legacy, err)
	}
	info, err := legacy.Info(ctx, jetstream.WithSubjectFilter(natsjs.LegacySubjects))
	if err != nil {
		return nil, fmt.Errorf("list the subjects of stream %s: %w", m.legacy, err)
	}
	graphs := make(map[string]bool)
	for subject, n := range info.State.Subjects {
		id, ok := v1GraphOf(subject)
		if !ok {
			m.notGraphs.Add(int64(n))
			m.warn("messages on a subject of no valid graph are not converted (no reader of format 1 read them)",
				slog.String("subject", subject), slog.Uint64("messages", n))
			continue
		}
		graphs[id] = true
	}

	m.have = make(map[string]uint64)
	for p := range m.cfg.Partitions {
		s, err := m.js.Stream(ctx, natsjs.StreamName(m.cfg.Stream, p))
		if err != nil {
			return nil, fmt.Errorf("look up stream %s: %w", natsjs.StreamName(m.cfg.Stream, p), err)
		}
		m.parts = append(m.parts, s)
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(natsjs.PartitionPrefix(p)+"*"))
		if err != nil {
			return nil, fmt.Errorf("list the subjects of stream %s: %w", natsjs.StreamName(m.cfg.Stream, p), err)
		}
		for subject, n := range info.State.Subjects {
			m.have[subject] = n
			if id, err := natsjs.GraphIDFromSubject(subject, m.cfg.Partitions); err != nil || !graphs[id] {
				sum.Foreign++
				m.warn("a graph of the converted log that stream "+m.legacy+" does not have is left alone",
					slog.String("subject", subject), slog.Uint64("messages", n))
			}
		}
	}
	return slices.Sorted(maps.Keys(graphs)), nil
}

// v1GraphOf is the graph of a subject of format 1,
// event.store.<graph>.<EventType>. Readers of format 1 read a graph's
// subjects with event.store.<graph>.>, so a longer subject is the graph's
// too.
func v1GraphOf(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, v1Prefix)
	if !ok {
		return "", false
	}
	id, typ, ok := strings.Cut(rest, ".")
	if !ok || typ == "" || graph.ValidateGraphID(id) != nil {
		return "", false
	}
	return id, true
}

// v1Prefix starts every subject of format 1.
var v1Prefix = strings.TrimSuffix(natsjs.LegacySubjects, ">")

// run converts the graphs ids, workers at a time, until the first error.
func (m *migration) run(ctx context.Context, ids []string, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		work     = make(chan string)
	)
	for range min(workers, max(len(ids), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if err := m.graph(ctx, id); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				m.graphsDone.Add(1)
			}
		}()
	}
feed:
	for _, id := range ids {
		select {
		case work <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil && (errors.Is(firstErr, context.Canceled) || errors.Is(firstErr, context.DeadlineExceeded)) {
		return fmt.Errorf("%w (%w)", errMigrateInterrupted, firstErr)
	}
	if firstErr == nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", errMigrateInterrupted, ctx.Err())
	}
	return firstErr
}

// graphCopy is the conversion of one graph.
type graphCopy struct {
	m       *migration
	id      string
	subject string
	stream  string
	part    jetstream.Stream
	// have is how many transactions the graph's subject of the log holds
	// (as far as this run knows), headSeq the sequence of the last, head
	// its last transaction.
	have    uint64
	headSeq uint64
	head    *messages.Transaction
	// pos counts the graph's transactions of format 1 taken so far (those
	// that are copied: version 0 is not).
	pos uint64
	// v1 is the graph folded from its transactions of format 1, as every
	// reader of format 1 folded them.
	v1 *graph.Graph
	// expect is what the log must hold, one entry per transaction.
	expect []txMark
	// marked are the versions stored with a rejection marker.
	marked map[uint64]bool
}

// txMark identifies one converted transaction.
type txMark struct {
	version uint64
	id      string
	sum     [sha256.Size]byte
}

// graph converts and checks one graph.
func (m *migration) graph(ctx context.Context, id string) error {
	p := natsjs.Partition(id, m.cfg.Partitions)
	g := &graphCopy{
		m:       m,
		id:      id,
		subject: natsjs.Subject(id, m.cfg.Partitions),
		stream:  natsjs.StreamName(m.cfg.Stream, p),
		part:    m.parts[p],
		v1:      graph.New(id),
		marked:  make(map[uint64]bool),
	}
	if m.have[g.subject] > 0 {
		if err := g.look(ctx); err != nil {
			return err
		}
	}
	asm := v1Assembler{graphID: id}
	err := m.readV1(ctx, id, func(msg *jetstream.RawStreamMsg) error {
		ev := &messages.Event{}
		if err := proto.Unmarshal(msg.Data, ev); err != nil {
			m.undecodable.Add(1)
			m.warn("skipping a message that is no event, as every reader of format 1 did",
				slog.String("graph", id), slog.String("subject", msg.Subject), slog.Uint64("sequence", msg.Sequence), slog.Any("error", err))
			return nil
		}
		// As readers of format 1 did: these are the stream's, not stored.
		ev.Sequence, ev.RecordedAt = msg.Sequence, timestamppb.New(msg.Time)
		ended, completed := asm.add(ev)
		for _, tx := range []*messages.Transaction{ended, completed} {
			if tx != nil {
				if err := g.take(ctx, tx); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if tx := asm.flush(); tx != nil {
		if err := g.take(ctx, tx); err != nil {
			return err
		}
	}
	if g.pos < g.have {
		return fmt.Errorf("graph %s: the converted log holds %d transactions, stream %s only %d: the log holds writes other than this migration's; find out who wrote them before you go on",
			id, g.have, m.legacy, g.pos)
	}
	return g.check(ctx)
}

// readV1 calls each for every message of graph graphID in the stream of
// format 1, in order, reading pages by batched direct get. Like every
// reader of format 1 it reads event.store.<graph>.>.
func (m *migration) readV1(ctx context.Context, graphID string, each func(*jetstream.RawStreamMsg) error) error {
	filter := v1Prefix + graphID + ".>"
	page := make([]*jetstream.RawStreamMsg, 0, v1ReadBatch)
	for next := uint64(1); ; {
		msgs, err := jetstreamext.GetBatch(ctx, m.js, m.legacy, v1ReadBatch,
			jetstreamext.GetBatchSeq(next), jetstreamext.GetBatchSubject(filter))
		if err != nil {
			return fmt.Errorf("graph %s: read stream %s: %w", graphID, m.legacy, err)
		}
		page = page[:0]
		end := false
		for msg, err := range msgs {
			if errors.Is(err, jetstreamext.ErrNoMessages) {
				end = true
				break
			}
			if err != nil {
				return fmt.Errorf("graph %s: read stream %s: %w", graphID, m.legacy, err)
			}
			page = append(page, msg)
		}
		if len(page) == 0 {
			if end {
				return nil
			}
			// The server always answers, with messages or "no messages";
			// jetstreamext ends silently when the request times out.
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("graph %s: read stream %s: no answer to a direct get in time", graphID, m.legacy)
		}
		// Taken whole before any is processed, so that slow writes never
		// hold a request open past its timeout.
		for _, msg := range page {
			next = msg.Sequence + 1
			if err := each(msg); err != nil {
				return err
			}
		}
		if end {
			return nil
		}
		pending, err := strconv.ParseUint(page[len(page)-1].Header.Get("Nats-Num-Pending"), 10, 64)
		if err == nil && pending == 0 {
			return nil
		}
	}
}

// take handles the graph's next transaction of format 1: it folds it into
// the graph as readers of format 1 did, and stores it in the log unless
// the log holds it already.
func (g *graphCopy) take(ctx context.Context, tx *messages.Transaction) error {
	m := g.m
	// The fold judges rejected, repeated and out-of-order transactions
	// alike in both formats; what it says of one is not needed here.
	_ = replay.ApplyCommitted(g.v1, tx)
	if tx.Version == 0 {
		m.unversioned.Add(1)
		m.warn("skipping a transaction of version 0, which no reader applied",
			slog.String("graph", g.id), slog.String("transaction", tx.TransactionId), slog.Uint64("sequence", tx.Sequence))
		return nil
	}
	conv, malformed := convertV1(g.id, tx)
	if malformed != "" {
		g.marked[tx.Version] = true
		m.malformed.Add(1)
		m.warn("copying a transaction that readers of format 1 rejected as a whole with a rejection marker, so that it is rejected again",
			slog.String("graph", g.id), slog.Uint64("version", tx.Version), slog.String("transaction", tx.TransactionId), slog.String("reason", malformed))
	}
	data, err := store.EncodeEntry(conv)
	if err != nil {
		return fmt.Errorf("graph %s: encode transaction version %d: %w", g.id, tx.Version, err)
	}
	if len(data) > m.cfg.MaxTransactionBytes {
		return fmt.Errorf("graph %s: transaction version %d (ID %q, %d events) encodes to %d bytes, over the limit of %d; run again with --%s %d or more, and start the nodes with it too",
			g.id, tx.Version, tx.TransactionId, len(tx.Events), len(data), m.cfg.MaxTransactionBytes, config.FlagMaxTransactionBytes, len(data))
	}
	mark := txMark{version: conv.Version, id: conv.TransactionId, sum: storedSum(conv)}
	g.expect = append(g.expect, mark)
	m.transactions.Add(1)
	m.events.Add(int64(len(tx.Events)))
	g.pos++
	if g.pos <= g.have {
		m.found.Add(1)
		if g.pos == g.have {
			return g.verifyHead(mark)
		}
		return nil
	}
	return g.publish(ctx, data, mark)
}

// publish stores one converted transaction, the graph's g.pos-th, after
// the log's g.have-th, stating the graph's last sequence: a store that
// fails or whose answer is lost is retried only once the log shows it did
// not land, so no transaction is stored twice.
//
// It sets no Nats-Msg-Id, unlike Append: format 1 stored none, so a
// graph's history may hold one transaction ID twice (a resend stored
// again), and the stream would drop the second within its duplicate
// window.
func (g *graphCopy) publish(ctx context.Context, data []byte, mark txMark) error {
	for attempt := 1; ; attempt++ {
		msg := &nats.Msg{Subject: g.subject, Data: data, Header: nats.Header{}}
		msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(g.headSeq, 10))
		ack, err := g.m.js.PublishMsg(ctx, msg)
		if err == nil {
			if ack.Stream != g.stream {
				return fmt.Errorf("graph %s: transaction version %d acked by stream %q, want stream %q; check that no other stream captures %s",
					g.id, mark.version, ack.Stream, g.stream, g.subject)
			}
			g.have, g.headSeq, g.head = g.pos, ack.Sequence, nil
			n := g.m.copied.Add(1)
			if g.m.opts.afterCopy != nil {
				g.m.opts.afterCopy(n)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt == publishAttempts {
			return fmt.Errorf("graph %s: store transaction version %d after %d attempts: %w", g.id, mark.version, attempt, err)
		}
		if !wrongLastSequence(err) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if err := g.look(ctx); err != nil {
			return err
		}
		switch {
		case g.have >= g.pos:
			// It landed and the answer was lost, or the log is ahead; the
			// transactions up to g.have are checked as they are taken.
			n := g.m.copied.Add(1)
			if g.m.opts.afterCopy != nil {
				g.m.opts.afterCopy(n)
			}
			if g.have == g.pos {
				return g.verifyHead(mark)
			}
			return nil
		case g.have+1 < g.pos:
			return fmt.Errorf("graph %s: the converted log holds %d transactions, %d were stored: it lost some; do not go on", g.id, g.have, g.pos-1)
		}
	}
}

// wrongLastSequence reports whether err is the log's answer to a stated
// last sequence that is not the subject's.
func wrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// look reads how many transactions the graph's subject of the log holds
// and its last one.
func (g *graphCopy) look(ctx context.Context) error {
	info, err := g.part.Info(ctx, jetstream.WithSubjectFilter(g.subject))
	if err != nil {
		return fmt.Errorf("graph %s: look up stream %s: %w", g.id, g.stream, err)
	}
	g.have, g.headSeq, g.head = info.State.Subjects[g.subject], 0, nil
	if g.have == 0 {
		return nil
	}
	msg, err := g.part.GetLastMsgForSubject(ctx, g.subject)
	if err != nil {
		return fmt.Errorf("graph %s: read the last message of %s: %w", g.id, g.subject, err)
	}
	txs, err := store.DecodeEntry(g.id, msg.Subject, msg.Sequence, msg.Time, msg.Data)
	if err != nil {
		return fmt.Errorf("graph %s: the last message of its converted log cannot be read: %w; the log holds writes other than this migration's", g.id, err)
	}
	g.headSeq, g.head = msg.Sequence, txs[len(txs)-1]
	return nil
}

// verifyHead checks that the last transaction of the log is the one the
// migration would have stored there, so that a run goes on only after
// its own writes.
func (g *graphCopy) verifyHead(want txMark) error {
	if g.head == nil {
		return nil // stored by this run: its ack said so
	}
	if storedSum(g.head) != want.sum {
		return fmt.Errorf("graph %s: the converted log's transaction %d is version %d (ID %q), which is not the transaction of format 1 at that place (version %d, ID %q): the log holds writes other than this migration's; find out who wrote them before you go on",
			g.id, g.have, g.head.Version, g.head.TransactionId, want.version, want.id)
	}
	return nil
}

// check compares the graph's converted log with its transactions of format
// 1: transaction for transaction, and the states the two fold to.
func (g *graphCopy) check(ctx context.Context) error {
	var diff string
	for attempt := 1; attempt <= checkReads; attempt++ {
		var err error
		if diff, err = g.compare(ctx); err != nil || diff == "" {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
	return fmt.Errorf("graph %s: the converted log does not match stream %s: %s", g.id, g.m.legacy, diff)
}

// compare reads the graph's converted log once and says how it differs
// from the original; "" if it does not.
func (g *graphCopy) compare(ctx context.Context) (string, error) {
	v2 := graph.New(g.id)
	i := 0
	for tx, err := range g.m.log.Read(ctx, g.id, 0) {
		if errors.Is(err, store.ErrCorrupt) {
			return fmt.Sprintf("a message cannot be read: %v", err), nil
		}
		if err != nil {
			return "", fmt.Errorf("graph %s: read the converted log: %w", g.id, err)
		}
		if i >= len(g.expect) {
			return fmt.Sprintf("the converted log holds more than the %d transactions of format 1", len(g.expect)), nil
		}
		if want := g.expect[i]; storedSum(tx) != want.sum {
			return fmt.Sprintf("transaction %d is version %d (ID %q) in the converted log, version %d (ID %q) in format 1, or differs in its events or recorded time",
				i+1, tx.Version, tx.TransactionId, want.version, want.id), nil
		}
		_ = replay.ApplyCommitted(v2, tx)
		i++
	}
	if i < len(g.expect) {
		return fmt.Sprintf("the converted log holds %d transactions, format 1 %d", i, len(g.expect)), nil
	}
	return stateDiff(g.v1, v2, g.marked), nil
}

// storedSum identifies what the log stores of a transaction (see
// store.EncodeEntry), whatever the reader filled in: a transaction as
// converted and as read back have the same.
func storedSum(tx *messages.Transaction) [sha256.Size]byte {
	stored := &messages.Transaction{TransactionId: tx.TransactionId, GraphId: tx.GraphId, Version: tx.Version,
		RecordedAt: tx.RecordedAt, Events: make([]*messages.Event, len(tx.Events))}
	for i, ev := range tx.Events {
		stored.Events[i] = &messages.Event{EventId: ev.EventId, OccurredAt: ev.OccurredAt, Metadata: ev.Metadata, Payload: ev.Payload}
	}
	// Deterministic: properties are maps.
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(stored)
	if err != nil {
		// Only invalid UTF-8 in a string fails, and then both sides fail
		// alike; the error's text still tells the two apart.
		b = []byte(err.Error())
	}
	return sha256.Sum256(b)
}

// stateDiff says how the states of v1 and v2 differ, ignoring stream
// sequences (the two logs have their own) and what the graphs remember of
// the events of the transactions stored with a rejection marker (one more
// event there); "" if they do not.
func stateDiff(v1, v2 *graph.Graph, marked map[uint64]bool) string {
	a, b := comparableState(v1.State(), marked), comparableState(v2.State(), marked)
	if proto.Equal(a, b) {
		return ""
	}
	switch {
	case a.Version != b.Version:
		return fmt.Sprintf("folded, format 1 gives version %d, the converted log version %d", a.Version, b.Version)
	case len(a.Nodes) != len(b.Nodes):
		return fmt.Sprintf("folded, format 1 gives %d nodes, the converted log %d", len(a.Nodes), len(b.Nodes))
	case len(a.Edges) != len(b.Edges):
		return fmt.Sprintf("folded, format 1 gives %d edges, the converted log %d", len(a.Edges), len(b.Edges))
	case len(a.Recent) != len(b.Recent):
		return fmt.Sprintf("folded, format 1 remembers %d transactions, the converted log %d", len(a.Recent), len(b.Recent))
	}
	for i := range a.Nodes {
		if !proto.Equal(a.Nodes[i], b.Nodes[i]) {
			return fmt.Sprintf("folded, format 1 gives node %v, the converted log %v", a.Nodes[i], b.Nodes[i])
		}
	}
	for i := range a.Edges {
		if !proto.Equal(a.Edges[i], b.Edges[i]) {
			return fmt.Sprintf("folded, format 1 gives edge %v, the converted log %v", a.Edges[i], b.Edges[i])
		}
	}
	for i := range a.Recent {
		if !proto.Equal(a.Recent[i], b.Recent[i]) {
			return fmt.Sprintf("folded, format 1 remembers transaction %v, the converted log %v", a.Recent[i], b.Recent[i])
		}
	}
	return "folded, the states differ"
}

func comparableState(s *messages.GraphState, marked map[uint64]bool) *messages.GraphState {
	s.Sequence = 0
	for _, c := range s.Recent {
		c.Sequence = 0
		if marked[c.Version] {
			c.Events, c.Digest = 0, nil
		}
	}
	// Trails are versions and sequences: keep the versions.
	for _, t := range s.Trails {
		var versions []byte
		for b := t.Touches; len(b) > 0; {
			v, n := binary.Uvarint(b)
			if n <= 0 {
				break
			}
			_, m := binary.Uvarint(b[n:])
			if m <= 0 {
				break
			}
			versions = binary.AppendUvarint(binary.AppendUvarint(versions, v), 0)
			b = b[n+m:]
		}
		t.Touches = versions
	}
	return s
}

// convertV1 is the transaction of the log that stands for tx, a
// transaction of format 1 as its readers grouped it: its version, ID and
// events (event ID, occurred time, metadata, payload), and its recorded
// time, the stream's time of its last event (readers fill in the rest).
//
// The log cannot carry an envelope that made readers of format 1 reject a
// transaction as a whole (an incomplete transaction, an event naming
// another graph, index or count): readers fill the envelope in from the
// transaction. Such a transaction gets one more event, without payload,
// so that it is rejected as a whole again and keeps its version; malformed
// says why.
func convertV1(graphID string, tx *messages.Transaction) (conv *messages.Transaction, malformed string) {
	conv = &messages.Transaction{
		TransactionId: tx.TransactionId,
		GraphId:       graphID,
		Version:       tx.Version,
		RecordedAt:    tx.RecordedAt,
		Events:        make([]*messages.Event, 0, len(tx.Events)+1),
	}
	n := len(tx.Events)
	for i, ev := range tx.Events {
		conv.Events = append(conv.Events, &messages.Event{EventId: ev.EventId, OccurredAt: ev.OccurredAt, Metadata: ev.Metadata, Payload: ev.Payload})
		if malformed != "" {
			continue
		}
		// The envelope checks graph.Apply makes of a committed
		// transaction; its version is its events' by construction.
		switch {
		case ev.GraphId != graphID:
			malformed = fmt.Sprintf("event %d names graph %q", i, ev.GraphId)
		case int64(ev.Index) != int64(i):
			malformed = fmt.Sprintf("event %d has index %d", i, ev.Index)
		case int64(ev.Count) != int64(n):
			malformed = fmt.Sprintf("event %d has count %d, the transaction has %d events", i, ev.Count, n)
		}
	}
	if malformed != "" {
		conv.Events = append(conv.Events, &messages.Event{Metadata: &messages.Metadata{Author: "node migrate: " + malformed}})
	}
	return conv, malformed
}

// v1Assembler groups one graph's events of format 1, taken in stream
// order, into transactions as every reader of format 1 did: consecutive
// events with the same version form one transaction, complete when it
// holds as many events as its first event's count. A transaction cut
// short (the version changes, or the events run out) is handed over as it
// is, for the fold to reject as a whole.
type v1Assembler struct {
	graphID string
	cur     *messages.Transaction
	want    uint32
}

// add takes the next event. It returns ended, a transaction cut short by
// ev's other version, and completed, the transaction ev completes; either
// or both may be nil, and ended comes first.
func (a *v1Assembler) add(ev *messages.Event) (ended, completed *messages.Transaction) {
	if a.cur != nil && a.cur.Version != ev.GetVersion() {
		ended = a.flush()
	}
	if a.cur == nil {
		a.cur = &messages.Transaction{TransactionId: ev.GetTransactionId(), GraphId: a.graphID, Version: ev.GetVersion()}
		a.want = ev.GetCount()
	}
	a.cur.Events = append(a.cur.Events, ev)
	a.cur.Sequence = ev.GetSequence()
	a.cur.RecordedAt = ev.GetRecordedAt()
	if uint32(len(a.cur.Events)) == a.want {
		completed = a.flush()
	}
	return ended, completed
}

// flush returns the transaction being assembled, complete or not; nil if
// there is none.
func (a *v1Assembler) flush() *messages.Transaction {
	tx := a.cur
	a.cur, a.want = nil, 0
	return tx
}

// warn logs a warning, up to migrateWarnings of them; the summary counts
// them all.
func (m *migration) warn(msg string, attrs ...slog.Attr) {
	switch n := m.warnedCount.Add(1); {
	case n <= migrateWarnings:
		m.logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
	case n == migrateWarnings+1:
		m.logger.Warn("further warnings are not logged; the summary counts what was skipped")
	}
}

// progress writes a progress line every interval, and one more when the
// returned function is called.
func (m *migration) progress(w io.Writer, graphs int, every time.Duration) (stop func()) {
	m.copyBegin = time.Now()
	line := func() {
		elapsed := time.Since(m.copyBegin)
		rate := float64(m.copied.Load()) / max(elapsed.Seconds(), 1e-3)
		fmt.Fprintf(w, "node migrate: %d/%d graphs, %d transactions copied, %d found copied already, %.0f transactions/s, %s\n",
			m.graphsDone.Load(), graphs, m.copied.Load(), m.found.Load(), rate, elapsed.Round(time.Second))
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if every > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					line()
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
		line()
	}
}

// fill copies the counts into sum.
func (m *migration) fill(sum *migrateSummary) {
	sum.Transactions, sum.Copied, sum.Found = m.transactions.Load(), m.copied.Load(), m.found.Load()
	sum.Events = m.events.Load()
	sum.Undecodable, sum.Unversioned, sum.Malformed = m.undecodable.Load(), m.unversioned.Load(), m.malformed.Load()
	sum.NotGraphs = m.notGraphs.Load()
}

// print writes the summary for the operator.
func (s migrateSummary) print(w io.Writer) {
	if s.Done != "" {
		fmt.Fprintln(w, s.Done)
		return
	}
	streams := natsjs.StreamName(s.Stream, 0)
	if s.Partitions > 1 {
		streams += " to " + natsjs.StreamName(s.Stream, s.Partitions-1)
	}
	fmt.Fprintf(w, "converted stream %s (format 1) into %s (format 2, %d partitions) in %s\n",
		s.Stream, streams, s.Partitions, s.Elapsed.Round(time.Millisecond))
	row := func(label, format string, args ...any) {
		fmt.Fprintf(w, "  %-40s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	row("graphs", "%d", s.Graphs)
	row("transactions", "%d (%d copied by this run, %d by an earlier one)", s.Transactions, s.Copied, s.Found)
	row("events", "%d", s.Events)
	row("undecodable messages skipped", "%d", s.Undecodable)
	row("transactions of version 0 skipped", "%d", s.Unversioned)
	row("malformed transactions, marked rejected", "%d", s.Malformed)
	if s.NotGraphs > 0 {
		row("messages of no valid graph, not copied", "%d", s.NotGraphs)
	}
	if s.Foreign > 0 {
		row("graphs only in the new log, left alone", "%d", s.Foreign)
	}
	fmt.Fprintf(w, "every graph's converted history and state match the original.\n"+
		"stream %s is kept, marked %s=true, and nodes start beside it; delete it once satisfied: nats stream rm %s\n",
		s.Stream, natsjs.MetaMigrated, s.Stream)
}
