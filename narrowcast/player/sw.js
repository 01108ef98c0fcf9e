// narrowcast player Service Worker: an extra, only where the browser allows one (HTTPS,
// localhost). It keeps the player shell (page, hashed scripts and style) so a reload works
// offline. Manifests and images are the page's business (IndexedDB), so they pass through.
'use strict';

var CACHE = 'narrowcast-shell-v1';
var HASHED = /\.[0-9a-f]{8,}\.(js|css)$/;

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  var scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || url.pathname.indexOf(scope.pathname) !== 0) return;
  var rest = url.pathname.slice(scope.pathname.length);
  if (HASHED.test(rest)) {
    // immutable: cache first
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(req).then(function (hit) {
        return hit || fetch(req).then(function (res) {
          if (res.ok) cache.put(req, res.clone());
          return res;
        });
      });
    }));
  } else if (req.mode === 'navigate') {
    // the page: network first (a new player arrives at once), the cached copy when offline
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return fetch(req).then(function (res) {
        if (res.ok) cache.put(req, res.clone());
        return res;
      }).catch(function () {
        return cache.match(req, {ignoreSearch: false}).then(function (hit) {
          return hit || cache.match(req, {ignoreSearch: true}).then(function (any) { return any || Response.error(); });
        });
      });
    }));
  }
});
