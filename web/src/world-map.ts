import { ScatterChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { MultiPolygon, Position } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import land from 'world-atlas/land-110m.json';

echarts.use([ScatterChart, GeoComponent, TooltipComponent, CanvasRenderer]);

/**
 * Natural Earth's land at 1:110m (about 20 kB gzip, in this chunk only, which loads when a zone
 * has the breakdown), drawn flat: without Antarctica, where no data center is, and with the
 * rings that cross the antimeridian (Chukotka, Fiji) continued east of 180° instead of
 * jumping back across the whole map.
 */
const topology = land as unknown as Topology<{ land: GeometryCollection }>;
const world = feature(topology, topology.objects.land);
for (const item of world.features) {
  const geometry = item.geometry as MultiPolygon;
  geometry.coordinates = geometry.coordinates
    .filter((polygon) => polygon[0].some(([, lat]) => lat > -60))
    .map((polygon) => polygon.map(unwrap));
}
echarts.registerMap('world', world as never);

function unwrap(ring: Position[]): Position[] {
  const crosses = ring.some((p, i) => i > 0 && Math.abs(p[0] - ring[i - 1][0]) > 180);
  return crosses ? ring.map(([lon, lat]) => [lon < -150 ? lon + 360 : lon, lat]) : ring;
}

export { echarts };
