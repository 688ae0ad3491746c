import { vi } from 'vitest';

/**
 * happy-dom has no canvas: gives uPlot a `Path2D` and a 2D context that accept every call and
 * draw nothing, so components that plot can be rendered in tests. Undo with
 * `vi.unstubAllGlobals()` and `vi.restoreAllMocks()`.
 */
export function stubCanvas(): void {
  vi.stubGlobal(
    'Path2D',
    class {
      moveTo() {}
      lineTo() {}
      rect() {}
      arc() {}
      closePath() {}
      bezierCurveTo() {}
      quadraticCurveTo() {}
      addPath() {}
    },
  );
  const noop = (): unknown => ({ width: 0 });
  const ctx = new Proxy({} as Record<string | symbol, unknown>, { get: (t, k) => (k in t ? t[k] : noop), set: (t, k, v) => Reflect.set(t, k, v) });
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(ctx as unknown as CanvasRenderingContext2D);
}
