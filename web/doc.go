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
// The viewer is plain ES modules, no build step: index.html loads app.js,
// which imports the rest. Each module owns one part of the page or one
// concern; app.js makes the viewer's state (the graph selected, the live
// state and the state shown, the mode, the diff, the selection, the
// neighbourhood view) and hands it to the parts, which change only what
// their own comments say.
//
//	app.js            starts the viewer and connects the parts; selecting a
//	                  graph, and when a load begins and ends
//	api.js            the only door to the node: requests with the token,
//	                  errors, NDJSON streams
//	tokendialog.js    the dialog that asks for the token on a 401
//	errors.js         the toast that says what failed
//	format.js         times, numbers and property values as text
//	graphlist.js      the sidebar (graphs with their heads, polled; the
//	                  filter) and the page's address (#graph=<id>)
//	model.js          a graph's state in the browser, changed only by the
//	                  changes the server computed (applyFrame)
//	live.js           following the graph live (LiveFeed, the stream;
//	                  LiveView, the live state and what is drawn as it moves)
//	timeline.js       which version is drawn (live, history, diff, what if)
//	                  and the footer that chooses it, with the header's status
//	playback.js       the play button: a replay animated frame by frame
//	chart.js          a metric over the history under the slider
//	scene.js          what the canvas shows: the state or a node's
//	                  neighbourhood, with the visit's layouts and encodings
//	view.js           the canvas: drawing, zoom, pan, picks, flashes
//	layout.js         where nodes sit, incremental and deterministic
//	labels.js         which labels a drawing writes
//	encoding.js       what a node's size and colour say, with their legend
//	legend.js         the legend over the drawing
//	neighbourhood.js  the nodes within k hops of one
//	controls.js       the header's controls: size, colour, search,
//	                  neighbourhood, Fit
//	search.js         the search box's index and list
//	panel.js          the selected element's details panel
//	elementhistory.js the selected element's history in that panel
//	whatif.js         the what-if panel: a pending transaction's dry run
//	hook.js           window.graphlog, the hook the browser tests read
//
// Assets are answered with a fixed Content-Type per extension (never the
// host's MIME tables, which differ between machines), an ETag of their
// content and Cache-Control: no-cache, so a browser revalidates them and a
// new binary's viewer is picked up at once. Unknown paths are 404.
package web
