package nodeproc

import (
	"strings"
	"testing"
	"time"
)

// A node that exits during start-up is reported at once, with how it
// exited, not after the readiness wait.
func TestStartReportsAnEarlyExit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the node")
	}
	bin, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(RemoveBuild)
	start := time.Now()
	_, err = Start(bin, []string{"--no-such-flag"}, nil, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exited during start-up (exit status 2)") {
		t.Fatalf("Start = %v, want an early exit with status 2", err)
	}
	if waited := time.Since(start); waited > 30*time.Second {
		t.Fatalf("the early exit was reported after %s", waited)
	}
}
