// Package config owns graphlog's one configuration value, Config: what every
// setting means, its default, its checks, and how it is loaded.
//
// Precedence, lowest first:
//
//  1. Default()
//  2. a JSON config file named by --config or GRAPHLOG_CONFIG: one object
//     whose keys are the flag names ({"data-dir": "/var/lib/graphlog",
//     "grain-idle-timeout": "10m"}); an unknown key is an error
//  3. the environment: GRAPHLOG_ plus the flag name in upper snake case
//     (GRAPHLOG_DATA_DIR); an empty variable counts as unset
//  4. command-line flags
//
// Load applies the layers and then Validate, which names every problem by
// its flag and says what to do. `graphlog-node -h` prints the reference of
// every setting (Usage writes the same text).
//
// Config is plain data; wiring happens in cmd/node. This package imports the
// standard library only and has no global state.
package config
