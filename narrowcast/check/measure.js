// Measured inside the rendered slide (run by the renderer after fonts have loaded).
// Returns {problems, minFontPx}: problems are overflowing or clipped elements, text below 7:1
// contrast against its real background (WCAG AAA; below 4.5:1 fails AA), and a QR code without its
// address in readable text. minFontPx is the smallest font size of any visible text.
() => {
  const slide = document.getElementById('slide');
  const box = slide.getBoundingClientRect();
  const problems = [];
  let minFont = Infinity;

  const parse = (value) => {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a] = m[1].split(/[,\s/]+/).filter(Boolean).map(Number);
    return {r, g, b, a: a === undefined ? 1 : a};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), {r: 255, g: 255, b: 255, a: 1});
  };
  const luminance = (c) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const nameOf = (el) => el.tagName.toLowerCase() +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '');

  for (const el of slide.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('svg')) continue;
    const r = el.getBoundingClientRect();
    const name = nameOf(el);
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      if (style.overflow !== 'visible' || el.clientHeight > 0) problems.push({element: name, kind: 'overflow'});
    }
    if (r.width > 0 && (r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1))
      problems.push({element: name, kind: 'clipped'});
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    // The footer (the site's name) is decoration: it need not read from the back of the room.
    if (!el.closest('.footer')) minFont = Math.min(minFont, parseFloat(style.fontSize));
    const fg = parse(style.color);
    if (fg) {
      const bg = background(el);
      const ratio = contrast(over(fg, bg), bg);
      if (ratio < 7) problems.push({element: name, kind: 'contrast', ratio: Math.round(ratio * 100) / 100,
                                    color: hex(over(fg, bg)), background: hex(bg)});
    }
  }
  const qr = slide.querySelector('.qr, .qr-code, [data-qr]');
  const label = slide.querySelector('.qr-label');
  if (qr && !(label && label.textContent.trim())) problems.push({element: nameOf(qr), kind: 'qr-without-label'});
  return {problems, minFontPx: minFont === Infinity ? null : minFont};
}
