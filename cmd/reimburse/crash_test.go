package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reimburse/reimburse/internal/testsupport"
	"github.com/reimburse/reimburse/model"
	"github.com/reimburse/reimburse/store"
)

// Crash test shape: crashKills kill points, crashClients concurrent
// clients. Small enough to stay well under a minute with the build.
const (
	crashKills   = 4
	crashClients = 8
)

// TestCrashRecovery builds the real binary, has clients register events
// with idempotency keys over HTTP, kills the server with SIGKILL at random
// moments and restarts it on the same SQLite file. Every registration the
// server acknowledged (HTTP 200 with data) must be there exactly once, with
// the id it was acknowledged with; the clients retry the others with the
// same keys, and no retry makes a second event; reimburse verify passes.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it several times; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "reimburse")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "crash.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	srv := startBinary(t, bin, db)
	token := srv.token
	if token == "" {
		t.Fatal("the first start printed no ADMIN token")
	}
	c := &crashClient{token: token, acked: map[string]string{}, payload: map[string]map[string]any{}}
	var cg, et struct {
		CreateCaregiver struct{ ID string }
		CreateEventType struct{ ID string }
	}
	post(t, srv.url, token, `mutation { createCaregiver(input: {name: "Crash"}) { id } }`, nil).mustData(t, &cg)
	post(t, srv.url, token, `mutation { createEventType(input: {code: "CRASH", name: "Crash", price: "12.50"}) { id } }`, nil).mustData(t, &et)
	c.caregiver, c.eventType = cg.CreateCaregiver.ID, et.CreateEventType.ID

	for kill := range crashKills {
		if kill > 0 {
			srv = startBinary(t, bin, db)
			c.checkStored(t, srv.url)
			c.retryUnacked(t, srv.url)
		}
		// Load until a random moment, then SIGKILL mid-flight.
		var stop atomic.Bool
		var wg sync.WaitGroup
		for client := range crashClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seq := 0; !stop.Load(); seq++ {
					key := fmt.Sprintf("k%d-c%d-%d", kill, client, seq)
					id, err := c.send(srv.url, c.newPayload(key, kill*100000+client*10000+seq))
					if err != nil {
						c.miss(key)
						continue
					}
					c.ack(key, id)
				}
			}()
		}
		delay := time.Duration(50+rng.IntN(400)) * time.Millisecond
		time.Sleep(delay)
		srv.kill(t)
		stop.Store(true)
		wg.Wait()
		c.mustNotDuplicate(t)
		t.Logf("kill %d after %s: %d acknowledged, %d not", kill+1, delay, len(c.acked), len(c.unacked))
	}

	srv = startBinary(t, bin, db)
	c.checkStored(t, srv.url)
	c.retryUnacked(t, srv.url)
	if len(c.unacked) > 0 {
		t.Fatalf("%d registrations still unacknowledged after retrying", len(c.unacked))
	}
	c.checkStored(t, srv.url)
	srv.terminate(t)

	out, err := exec.Command(bin, "verify", "--db", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "rollups match the events") {
		t.Fatalf("reimburse verify: %v\n%s", err, out)
	}
	// Finally read the file itself: exactly the acknowledged events.
	s, err := store.Open(t.Context(), store.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	p := model.PageArgs{First: model.MaxPageSize}
	for {
		evs, more, err := s.FindEvents(t.Context(), model.EventFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.IdempotencyKey == nil || c.acked[*e.IdempotencyKey] != fmt.Sprint(e.ID) {
				t.Fatalf("event %d (key %v) was never acknowledged with that id", e.ID, e.IdempotencyKey)
			}
		}
		n += len(evs)
		if !more {
			break
		}
		p.After = &model.Cursor{Time: evs[len(evs)-1].OccurredAt, ID: evs[len(evs)-1].ID}
	}
	if n != len(c.acked) {
		t.Fatalf("%d events in the file, %d acknowledged", n, len(c.acked))
	}
	t.Logf("%d events, each acknowledged once, after %d kills", n, crashKills)
}

// crashClient is the clients' shared memory of what the server answered.
type crashClient struct {
	token, caregiver, eventType string
	mu                          sync.Mutex
	acked                       map[string]string         // key -> event id
	payload                     map[string]map[string]any // key -> input, to retry it unchanged
	unacked                     []string
	dups                        []string
}

var crashHTTP = &http.Client{Timeout: 5 * time.Second}

func (c *crashClient) newPayload(key string, n int) map[string]any {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	in := map[string]any{"eventTypeId": c.eventType, "caregiverId": c.caregiver, "occurredAt": at.Format(time.RFC3339), "idempotencyKey": key}
	c.mu.Lock()
	c.payload[key] = in
	c.mu.Unlock()
	return in
}

// ack records an acknowledged registration. The same key acknowledged
// with two ids would be a duplicate event.
func (c *crashClient) ack(key, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, seen := c.acked[key]; seen && prev != id {
		c.dups = append(c.dups, fmt.Sprintf("key %s acknowledged as event %s and as %s", key, prev, id))
	}
	c.acked[key] = id
}

// miss records a registration without an acknowledgement (a refused or cut
// connection, an error): the client must retry it.
func (c *crashClient) miss(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unacked = append(c.unacked, key)
}

func (c *crashClient) mustNotDuplicate(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dups) > 0 {
		t.Fatal(strings.Join(c.dups, "\n"))
	}
}

// send posts one registration and returns the event id of an answer with
// data, or why there was none.
func (c *crashClient) send(url string, in map[string]any) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: RegisterEventInput!) { registerEvent(input: $in) { id } }`,
		"variables": map[string]any{"in": in},
	})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := crashHTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		Data *struct {
			RegisterEvent *struct{ ID string }
		}
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK || len(out.Errors) > 0 || out.Data == nil || out.Data.RegisterEvent == nil {
		return "", fmt.Errorf("status %d, errors %s", res.StatusCode, out.Errors)
	}
	return out.Data.RegisterEvent.ID, nil
}

// retryUnacked resends every unacknowledged registration with its key and
// payload until the server acknowledges it, and resends some acknowledged
// ones too: both must come back with the one event of their key.
func (c *crashClient) retryUnacked(t *testing.T, url string) {
	t.Helper()
	c.mu.Lock()
	todo := c.unacked
	c.unacked = nil
	for key := range c.acked {
		if len(todo) > 2*crashClients+20 {
			break
		}
		todo = append(todo, key)
	}
	c.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for _, key := range todo {
		for {
			id, err := c.send(url, c.payload[key])
			if err == nil {
				c.ack(key, id)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("retrying %s: the server never acknowledged it: %v", key, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.mustNotDuplicate(t)
}

// checkStored pages through the events over HTTP: every acknowledged key
// is there once, with its id.
func (c *crashClient) checkStored(t *testing.T, url string) {
	t.Helper()
	found := map[string]string{}
	after := ""
	for {
		var page struct {
			Events struct {
				Nodes    []struct{ ID, IdempotencyKey string }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		post(t, url, c.token, `query($after: String) { events(first: 1000, after: $after) { nodes { id idempotencyKey } pageInfo { hasNextPage endCursor } } }`, vars).mustData(t, &page)
		for _, e := range page.Events.Nodes {
			if prev, dup := found[e.IdempotencyKey]; dup {
				t.Fatalf("key %s is on events %s and %s", e.IdempotencyKey, prev, e.ID)
			}
			found[e.IdempotencyKey] = e.ID
		}
		if !page.Events.PageInfo.HasNextPage {
			break
		}
		after = page.Events.PageInfo.EndCursor
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, id := range c.acked {
		if found[key] != id {
			t.Fatalf("acknowledged event %s (key %s) is stored as %q after the crash", id, key, found[key])
		}
	}
}

// binary is one run of the built server.
type binary struct {
	cmd    *exec.Cmd
	url    string
	token  string
	stderr *testsupport.SyncBuffer
	done   chan error
}

// startBinary runs "reimburse serve" on db on a free port of 127.0.0.1,
// with no REIMBURSE_* variables from the host and no rate limit (the
// clients share one token), and waits for it to listen.
func startBinary(t *testing.T, bin, db string) *binary {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--rate-limit", "0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	stdout, stderr := &testsupport.SyncBuffer{}, &testsupport.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &binary{cmd: cmd, stderr: stderr, done: make(chan error, 1)}
	go func() { b.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(startTimeout)
	for {
		if m := listeningRE.FindStringSubmatch(stderr.String()); m != nil {
			b.url = "http://" + m[1] + m[2]
			break
		}
		select {
		case err := <-b.done:
			t.Fatalf("the server exited before listening: %v\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line within %s:\n%s", startTimeout, stderr)
		}
	}
	b.token = firstToken(t, stdout.String())
	return b
}

// kill sends SIGKILL: no shutdown, no flush, no deferred close.
func (b *binary) kill(t *testing.T) {
	t.Helper()
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.done
}

// terminate asks the server to stop gracefully and waits for it.
func (b *binary) terminate(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := b.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatalf("graceful stop: %v\n%s", err, b.stderr)
		}
	case <-ctx.Done():
		t.Fatalf("the server did not stop within %s", startTimeout)
	}
}
