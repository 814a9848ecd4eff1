package replay

// Attribute keys of structured logs, one spelling for every line; the same
// spellings as the actors' lines.
const (
	keyGraph   = "graph"
	keyVersion = "version"
	keyError   = "error"
	keyCID     = "cid"
)
