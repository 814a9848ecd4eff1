package messages

// Regenerate the Go code after editing graphlog.proto (needs protoc from
// Debian's protobuf-compiler and protoc-gen-go from the Go proxy):
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go generate ./messages
//
//go:generate protoc --proto_path=. --go_out=. --go_opt=paths=source_relative graphlog.proto
