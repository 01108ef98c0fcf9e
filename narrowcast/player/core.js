// narrowcast player: rotates a screen's slides from its manifest (v1), offline first.
//
// Plain JS, no build step. Every URL is relative to this page, so the same files work from
// `narrowcast serve` (/player/?screen=ID, with push) and from any static host under any sub-path
// (<prefix>/player/index.html?screen=ID, polling). What is live is decided only by comparing the
// manifest's UTC timestamps with Date.now() + offset (the server's clock); the schedule itself is
// computed in Python. The last manifest and every image live in IndexedDB, which works at plain
// http:// LAN origins where the Cache API and Service Workers are missing.
//
// Five classic scripts, loaded in this order by index.html, share one object, window.narrowcast:
//   core.js      this page's address, the corrected clock, logging
//   manifest.js  the manifest's shape checks and its resolved form (pure)
//   store.js     IndexedDB: the last manifest and every picture
//   playback.js  the rotation on screen
//   sync.js      the server: manifests, pictures, push, polling, heartbeats; starts the player
// Each keeps its own state in its closure and puts on the object only what the others call.
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var screenId = params.get('screen') || '';
  var meta = document.querySelector('meta[name="narrowcast-player"]');

  var nc = window.narrowcast = {
    state: function () { return null; }, // the test hook; sync.js puts the real one in place at start
    screenId: screenId,
    screenKey: params.get('key'),
    playerVersion: meta ? meta.content : '',
    manifestUrl: new URL('../screens/' + encodeURIComponent(screenId) + '/manifest.json', location.href).href,
    eventsUrl: new URL('../events/' + encodeURIComponent(screenId), location.href).href,
    apiBase: new URL('../api/screens/' + encodeURIComponent(screenId) + '/', location.href).href,
    offsetMs: 0, // server clock − local clock: measured and written only by sync.js
    NO_CONTENT: 'Geen geldige inhoud; de beheerder is gewaarschuwd',
    NO_SERVER: 'Nog geen inhoud: de server is niet bereikbaar. Het scherm probeert het opnieuw.'
  };

  nc.now = function () { return Date.now() + nc.offsetMs; };
  nc.log = function () { try { console.info.apply(console, ['[narrowcast]'].concat([].slice.call(arguments))); } catch (e) { /* no console */ } };
  nc.warn = function () { try { console.error.apply(console, ['[narrowcast]'].concat([].slice.call(arguments))); } catch (e) { /* no console */ } };
})();
