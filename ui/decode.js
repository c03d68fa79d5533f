// SPDX-License-Identifier: MIT
// The log viewer's decoders (docs/ui.md): the bytes /containers/{id}/logs
// sends -> frames -> lines, ANSI SGR -> styled DOM nodes, and timestamps
// -> the keys ?since= takes. No state of the page; app.js uses them.
'use strict';
(() => {
	// --- the stdcopy frames: [stream, 0, 0, 0, size (big endian)] + data
	class FrameDecoder {
		constructor(onFrame) {
			this.buf = new Uint8Array(0);
			this.onFrame = onFrame;
		}
		push(chunk) {
			let b = chunk;
			if (this.buf.length > 0) {
				b = new Uint8Array(this.buf.length + chunk.length);
				b.set(this.buf);
				b.set(chunk, this.buf.length);
			}
			let i = 0;
			while (b.length - i >= 8) {
				const size = (b[i + 4] << 24 >>> 0) + (b[i + 5] << 16) +
				    (b[i + 6] << 8) + b[i + 7];
				if (b.length - i - 8 < size)
					break;
				this.onFrame(b[i], b.subarray(i + 8, i + 8 + size));
				i += 8 + size;
			}
			this.buf = b.slice(i);
		}
	}

	// Bytes -> lines, one per stream: UTF-8 may be cut anywhere.
	class Lines {
		constructor(onLine) {
			this.dec = new TextDecoder('utf-8');
			this.carry = '';
			this.onLine = onLine;
		}
		push(bytes) {
			const s = this.carry + this.dec.decode(bytes, { stream: true });
			let start = 0, nl;
			while ((nl = s.indexOf('\n', start)) >= 0) {
				this.onLine(s.slice(start, nl));
				start = nl + 1;
			}
			this.carry = s.slice(start);
		}
		end() {
			const s = this.carry + this.dec.decode();
			this.carry = '';
			if (s !== '')
				this.onLine(s);
		}
	}

	// --- ANSI: SGR colours and attributes; other sequences are dropped.
	const CUBE = [0, 95, 135, 175, 215, 255];
	function color256(n) {
		if (n < 16)
			return n;
		if (n < 232) {
			n -= 16;
			return 'rgb(' + CUBE[Math.floor(n / 36)] + ',' +
			    CUBE[Math.floor(n / 6) % 6] + ',' + CUBE[n % 6] + ')';
		}
		const g = 8 + 10 * (n - 232);
		return 'rgb(' + g + ',' + g + ',' + g + ')';
	}

	function sgr(st, params) {
		const p = params === '' ? [0] : params.split(/[;:]/).map(Number);
		for (let i = 0; i < p.length; i++) {
			const n = p[i];
			if (n === 0)
				Object.assign(st, { fg: null, bg: null, b: 0, d: 0,
				    i: 0, u: 0, inv: 0 });
			else if (n === 1) st.b = 1;
			else if (n === 2) st.d = 1;
			else if (n === 3) st.i = 1;
			else if (n === 4) st.u = 1;
			else if (n === 7) st.inv = 1;
			else if (n === 22) st.b = st.d = 0;
			else if (n === 23) st.i = 0;
			else if (n === 24) st.u = 0;
			else if (n === 27) st.inv = 0;
			else if (n >= 30 && n <= 37) st.fg = n - 30;
			else if (n >= 90 && n <= 97) st.fg = n - 90 + 8;
			else if (n >= 40 && n <= 47) st.bg = n - 40;
			else if (n >= 100 && n <= 107) st.bg = n - 100 + 8;
			else if (n === 39) st.fg = null;
			else if (n === 49) st.bg = null;
			else if ((n === 38 || n === 48) && p[i + 1] === 5) {
				st[n === 38 ? 'fg' : 'bg'] = color256(p[i + 2] & 255);
				i += 2;
			} else if ((n === 38 || n === 48) && p[i + 1] === 2) {
				st[n === 38 ? 'fg' : 'bg'] = 'rgb(' + (p[i + 2] & 255) +
				    ',' + (p[i + 3] & 255) + ',' + (p[i + 4] & 255) + ')';
				i += 4;
			}
		}
	}

	function styled(st, text) {
		let fg = st.fg, bg = st.bg;
		if (st.inv)
			[fg, bg] = [bg === null ? 'var(--bg)' : bg,
			    fg === null ? 'var(--fg)' : fg];
		if (fg === null && bg === null && !st.b && !st.d && !st.i &&
		    !st.u)
			return document.createTextNode(text);
		const span = document.createElement('span');
		if (typeof fg === 'number') span.classList.add('f' + fg);
		else if (fg !== null) span.style.color = fg;
		if (typeof bg === 'number') span.classList.add('b' + bg);
		else if (bg !== null) span.style.background = bg;
		if (st.b) span.classList.add('a-b');
		if (st.d) span.classList.add('a-d');
		if (st.i) span.classList.add('a-i');
		if (st.u) span.classList.add('a-u');
		span.textContent = text;
		return span;
	}

	const ESC = /\x1b(?:\[([0-9;:?]*)([ -/]*[@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)/g;
	const CTL = /[\x00-\x08\x0b-\x1f\x7f]/g;
	// Appends msg to el, coloured; returns its plain text (what filters see).
	function render(el, msg) {
		const cr = msg.lastIndexOf('\r', msg.length - 2);
		if (cr >= 0)	// a progress bar: its last state
			msg = msg.slice(cr + 1);
		if (msg.indexOf('\x1b') < 0) {
			const plain = msg.replace(CTL, '');
			el.append(plain);
			return plain;
		}
		const st = { fg: null, bg: null, b: 0, d: 0, i: 0, u: 0, inv: 0 };
		let plain = '', last = 0, m;
		ESC.lastIndex = 0;
		while ((m = ESC.exec(msg)) !== null) {
			const text = msg.slice(last, m.index).replace(CTL, '');
			if (text !== '') {
				el.append(styled(st, text));
				plain += text;
			}
			if (m[2] === 'm')
				sgr(st, m[1]);
			last = ESC.lastIndex;
		}
		const text = msg.slice(last).replace(CTL, '');
		if (text !== '') {
			el.append(styled(st, text));
			plain += text;
		}
		return plain;
	}

	// RFC 3339 with nanoseconds -> "seconds.nanoseconds", which sorts as
	// text and is what ?since= takes.
	function tsKey(ts) {
		const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
		if (m === null)
			return null;
		const sec = Date.parse(m[1] + 'Z') / 1000;
		return sec + '.' + ((m[2] || '') + '000000000').slice(0, 9);
	}

	globalThis.logpouch = { FrameDecoder, Lines, render, tsKey };
})();
