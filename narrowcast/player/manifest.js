// narrowcast player: the manifest's shape (docs/manifest.md, "What the player reads") and the
// resolved form the other scripts play and store. Pure: nothing here fetches, stores or shows.
(function (nc) {
  'use strict';

  // Why a fetched manifest cannot be played (Dutch, for the heartbeat), or null. A wrong shape is
  // refused whole, so the last good manifest plays on; nothing after it has to guard against it.
  function manifestProblem(raw) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'het manifest is geen object';
    if (raw.schema !== 1) return 'onbekend schema ' + shortText(raw.schema);
    if (raw.screen !== nc.screenId) return 'het manifest is voor scherm ' + shortText(raw.screen);
    if (!isText(raw.version)) return 'version ontbreekt';
    if (!Array.isArray(raw.items)) return 'items is geen lijst';
    if (raw.poll_seconds != null && !isPositive(raw.poll_seconds)) return 'poll_seconds is geen getal';
    for (var k = 0; k < raw.items.length; k++) {
      var why = itemProblem(raw.items[k], true), i = raw.items[k];
      if (why) return 'item ' + (k + 1) + (i && isText(i.id) ? ' (' + shortText(i.id) + ')' : '') + ': ' + why;
    }
    var fb = itemProblem(raw.fallback, false);
    if (fb) return 'fallback: ' + fb;
    return raw.loops == null ? null : loopsProblem(raw.loops, raw.items);
  }

  // The loops name items by id, in play order (docs/manifest.md): every name must be an item.
  function loopsProblem(loops, items) {
    if (!Array.isArray(loops) || !loops.length) return 'loops is geen lijst';
    var ids = {};
    items.forEach(function (i) { ids[i.id] = true; });
    for (var k = 0; k < loops.length; k++) {
      if (!Array.isArray(loops[k]) || !loops[k].length) return 'ronde ' + (k + 1) + ' is geen lijst';
      for (var j = 0; j < loops[k].length; j++) {
        if (!ids[loops[k][j]]) return 'ronde ' + (k + 1) + ' noemt onbekend item ' + shortText(loops[k][j]);
      }
    }
    return null;
  }

  // The play order as indices into items: the loops one after another, or the items' own order.
  function orderOf(raw, items) {
    if (!Array.isArray(raw.loops)) return items.map(function (_, k) { return k; });
    var at = {};
    items.forEach(function (i, k) { at[i.id] = k; });
    var order = [];
    raw.loops.forEach(function (loop) { loop.forEach(function (id) { order.push(at[id]); }); });
    return order;
  }

  function itemProblem(i, timed) {
    if (!i || typeof i !== 'object' || Array.isArray(i)) return 'ontbreekt of is geen object';
    if (!isText(i.id)) return 'id ontbreekt';
    if (!isText(i.image)) return 'afbeelding (image) ontbreekt';
    try { new URL(i.image, nc.manifestUrl); } catch (e) { return 'afbeelding (image) is geen adres'; }
    if (i.duration != null && !isPositive(i.duration)) return 'duration is geen getal';
    if (timed && i.intervals != null && !intervalsOk(i.intervals)) return 'intervals kloppen niet';
    return null;
  }

  function intervalsOk(list) {
    return Array.isArray(list) && list.every(function (iv) {
      return Array.isArray(iv) && iv.length === 2 && isText(iv[0]) && isText(iv[1]) && Date.parse(iv[0]) <= Date.parse(iv[1]);
    });
  }

  function isText(v) { return typeof v === 'string' && v.length > 0; }
  function isPositive(v) { return typeof v === 'number' && isFinite(v) && v > 0; }
  function shortText(v) { return String(v).slice(0, 40); }
  function mediaName(url) { return String(url).split('/').pop(); }

  // A stored manifest is already resolved; one saved by an older player may lack parts.
  function playable(m) {
    return !!m && Array.isArray(m.items) && !!m.fallback && typeof m.fallback.image === 'string' &&
      m.items.every(function (i) { return i && typeof i.image === 'string' && Array.isArray(i.edges); });
  }

  function resolveManifest(raw) {
    var abs = function (u) { return new URL(u, nc.manifestUrl).href; };
    var items = (raw.items || []).map(function (i) {
      return {id: i.id, image: abs(i.image), duration: i.duration, intervals: i.intervals || null,
              edges: (i.intervals || []).map(function (iv) { return [Date.parse(iv[0]), Date.parse(iv[1])]; })};
    });
    var fb = raw.fallback ? {id: raw.fallback.id, image: abs(raw.fallback.image), duration: raw.fallback.duration} : null;
    return {version: raw.version, screen: raw.screen, poll: Math.max(2, raw.poll_seconds || 30),
            serverTime: raw.server_time, items: items, order: orderOf(raw, items), fallback: fb};
  }

  function imagesOf(m) {
    if (!m) return [];
    var list = (m.items || []).map(function (i) { return i.image; });
    if (m.fallback) list.push(m.fallback.image);
    return list;
  }

  function isLive(item, at) {
    if (!item.intervals) return true;
    for (var k = 0; k < item.edges.length; k++) {
      if (item.edges[k][0] <= at && at < item.edges[k][1]) return true;
    }
    return false;
  }

  nc.manifest = {problem: manifestProblem, resolve: resolveManifest, playable: playable, imagesOf: imagesOf,
                 isLive: isLive, isText: isText, shortText: shortText, mediaName: mediaName};
})(window.narrowcast);
