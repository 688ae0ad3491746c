import { attr, double, fixed64, len, msg, packed64, str, vint } from './proto-test-encoder.js';

// Test payloads shared by the OTLP tests (not used by the server).

/** `timeUnixNano` of the example points. */
export const T = 1795316186105000000n;
const S = 1795316185105000000n;

/** The §1.3 example payload from the JS exporter, as OTLP/JSON. */
export const EXAMPLE_JSON = {
  resourceMetrics: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'demo-svc' } },
          { key: 'service.instance.id', value: { stringValue: 'i-1' } },
        ],
        droppedAttributesCount: 0,
      },
      scopeMetrics: [
        {
          scope: { name: 'demo-scope', version: '1.2.3' },
          metrics: [
            {
              name: 'http.server.requests',
              unit: '{request}',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [{ attributes: [{ key: 'route', value: { stringValue: '/a' } }], startTimeUnixNano: String(S), timeUnixNano: String(T), asDouble: 3 }],
              },
            },
            {
              name: 'http.server.duration',
              unit: 'ms',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    startTimeUnixNano: String(S),
                    timeUnixNano: String(T),
                    bucketCounts: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                    explicitBounds: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000],
                    count: 1,
                    sum: 12.5,
                  },
                ],
              },
            },
            { name: 'queue.depth', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ timeUnixNano: String(T), asInt: '-2' }] } },
            { name: 'temp', unit: 'Cel', gauge: { dataPoints: [{ timeUnixNano: String(T), asDouble: 21.5 }] } },
          ],
        },
      ],
    },
  ],
};

/** The same payload as protobuf. */
export function exampleProtobuf(): Uint8Array {
  const sfixed = (field: number, n: bigint) => fixed64(field, BigInt.asUintN(64, n));
  const metrics = [
    msg([
      str(1, 'http.server.requests'),
      str(3, '{request}'),
      len(7, msg([len(1, msg([len(7, attr('route', '/a')), fixed64(2, S), fixed64(3, T), double(4, 3)])), vint(2, 2), vint(3, 1)])),
    ]),
    msg([
      str(1, 'http.server.duration'),
      str(3, 'ms'),
      len(
        9,
        msg([
          len(
            1,
            msg([
              fixed64(2, S),
              fixed64(3, T),
              fixed64(4, 1n),
              double(5, 12.5),
              packed64(6, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], false),
              packed64(7, [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000], true),
            ]),
          ),
          vint(2, 2),
        ]),
      ),
    ]),
    msg([str(1, 'queue.depth'), len(7, msg([len(1, msg([fixed64(3, T), sfixed(6, -2n)])), vint(2, 2), vint(3, 0)]))]),
    msg([str(1, 'temp'), str(3, 'Cel'), len(5, msg([len(1, msg([fixed64(3, T), double(4, 21.5)]))]))]),
  ];
  const scope = msg([str(1, 'demo-scope'), str(2, '1.2.3')]);
  const resource = msg([len(1, attr('service.name', 'demo-svc')), len(1, attr('service.instance.id', 'i-1')), vint(2, 0)]);
  const rm = msg([len(1, resource), len(2, msg([len(1, scope), ...metrics.map((m) => len(2, m))]))]);
  return new Uint8Array(len(1, rm));
}

