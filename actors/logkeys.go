package actors

// Attribute keys of structured logs, one spelling for every line.
const (
	keyGraph       = "graph"
	keyTransaction = "transaction"
	keyCorrelation = "correlation_id"
	keyVersion     = "version"
	keySequence    = "sequence"
	keyEvents      = "events"
	keyDuration    = "duration"
	keyError       = "error"
	keySubject     = "subject"
	keyReason      = "reason"
	keySource      = "source"
	keyExpected    = "expected_version"
	keyCID         = "cid"
)
