package actors

// Attribute keys of structured logs, one spelling for every line.
const (
	keyGraph       = "graph"
	keyTransaction = "transaction"
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
