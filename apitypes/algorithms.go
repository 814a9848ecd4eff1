package apitypes

// AlgorithmAnswer answers GET .../algorithms/{name} for the algorithms of
// the library: Result is the algorithm's result type of package graph, as
// JSON.
type AlgorithmAnswer struct {
	Graph     string `json:"graph"`
	Version   uint64 `json:"version"`
	Algorithm string `json:"algorithm"`
	Result    any    `json:"result"`
}

// AlgorithmList answers GET /v1/algorithms.
type AlgorithmList struct {
	Algorithms []AlgorithmInfo `json:"algorithms"`
}

// AlgorithmInfo describes one algorithm of the library in GET
// /v1/algorithms.
type AlgorithmInfo struct {
	Name    string      `json:"name"`
	Summary string      `json:"summary"`
	Params  []ParamInfo `json:"params"`
	// MaxNodes is the most nodes of a graph it runs on, beyond the
	// node-wide --max-algorithm-elements; 0 when only that one bounds it.
	MaxNodes int `json:"max_nodes,omitempty"`
}

// ParamInfo describes one parameter of an algorithm.
type ParamInfo struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required,omitempty"`
	Default  string   `json:"default,omitempty"`
	Values   []string `json:"values,omitempty"`
	Min      string   `json:"min,omitempty"`
	Max      string   `json:"max,omitempty"`
	Doc      string   `json:"doc"`
}
