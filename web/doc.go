// Package web is graphlog's browser viewer: plain HTML, CSS and JavaScript
// embedded in the binary and served by every node beside the HTTP API.
//
// Handler serves index.html for exactly "/" and every other asset under
// "/ui/" (so "/ui/app.js" is assets/app.js). The viewer talks to the node
// only through the public API v1 (graph list with heads, graph reads as of
// a version, diff, replay, the replay that follows a graph live, element
// history, series and dry runs of transactions), so this package imports
// nothing of the project and holds no state beyond the embedded files.
//
// Assets are answered with a fixed Content-Type per extension (never the
// host's MIME tables, which differ between machines), an ETag of their
// content and Cache-Control: no-cache, so a browser revalidates them and a
// new binary's viewer is picked up at once. Unknown paths are 404.
package web
