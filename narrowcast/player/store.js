// narrowcast player: the IndexedDB store, {manifests: screen -> record, images: absolute URL -> Blob}.
// IndexedDB works at plain http:// LAN origins, where the Cache API and Service Workers are missing.
(function (nc) {
  'use strict';

  // The preview's player (/preview/player/ on the same origin as the live one) keeps its drafts in a
  // store of its own: a browser that also runs a screen never takes a draft as its offline copy.
  var DB_NAME = /\/preview\/player\/[^/]*$/.test(location.pathname) ? 'narrowcast-voorbeeld' : 'narrowcast';
  var dbPromise = null;
  var dbMissing = false; // no IndexedDB at all: pictures then come from the network only
  var warn = nc.warn;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error('geen IndexedDB')); return; }
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore('manifests');
          req.result.createObjectStore('images');
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
      dbPromise.catch(function (e) { dbMissing = true; warn('IndexedDB niet beschikbaar', e); });
    }
    return dbPromise;
  }

  function tx(store, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result;
        fn(t.objectStore(store), function (r) { result = r; });
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  function idbGet(store, key) {
    return tx(store, 'readonly', function (s, done) {
      var r = s.get(key);
      r.onsuccess = function () { done(r.result); };
    });
  }

  function idbPut(store, key, value) {
    return tx(store, 'readwrite', function (s) { s.put(value, key); });
  }

  // Delete every stored image that no stored manifest (of any screen on this origin) names.
  function collectGarbage() {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(['manifests', 'images'], 'readwrite');
        var wanted = {};
        t.objectStore('manifests').openCursor().onsuccess = function (ev) {
          var cursor = ev.target.result;
          if (cursor) {
            nc.manifest.imagesOf(cursor.value.manifest).forEach(function (u) { wanted[u] = true; });
            cursor.continue();
            return;
          }
          var images = t.objectStore('images');
          images.openKeyCursor().onsuccess = function (e2) {
            var c = e2.target.result;
            if (!c) return;
            if (!wanted[c.primaryKey]) images.delete(c.primaryKey);
            c.continue();
          };
        };
        t.oncomplete = function () { resolve(); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    }).catch(function (e) { warn('opruimen mislukt', e); });
  }

  nc.store = {get: idbGet, put: idbPut, collectGarbage: collectGarbage,
              missing: function () { return dbMissing; }};
})(window.narrowcast);
