import { describe, expect, it } from 'vitest';
import { PipelineConfigSchema } from '../../core/pipeline/browser.js';
import { tryParseClock } from '../../core/trace/browser.js';
import { experimentWindows, windowWarnings } from './windows.js';

const TRACE = { firstSubmitSec: tryParseClock('2022-10-05T00:00:00'), lastSubmitSec: tryParseClock('2023-04-03T00:00:00') };

describe('experiment windows', () => {
  it("span from the first sample to the end of the last sample's replay (warm-up + workload), as the run counts them", () => {
    const config = PipelineConfigSchema.parse({ dataset: { samples: 24 }, validation: { samples: 12 } });
    const { training, validation } = experimentWindows(config);
    // 24 samples 4 h apart: the last starts 92 h after the first; its replay lasts 2 + 5 days.
    expect(training).toEqual({
      kind: 'training',
      name: 'training (dataset)',
      samples: 24,
      fromSec: tryParseClock('2022-11-01T00:00:00'),
      lastSampleSec: tryParseClock('2022-11-04T20:00:00'),
      toSec: tryParseClock('2022-11-11T20:00:00'),
    });
    expect(validation?.toSec).toBe(tryParseClock('2023-03-09T20:00:00'));
    expect(windowWarnings(config, { training, validation }, TRACE)).toEqual([]);
  });

  it("say what the run will do: refuse a validation window reaching into later training, trim training reaching into validation", () => {
    const refused = PipelineConfigSchema.parse({ dataset: { start: '2023-03-05T00:00:00', samples: 30 }, validation: { samples: 12 } });
    expect(windowWarnings(refused, experimentWindows(refused), TRACE)).toEqual([expect.stringMatching(/^The run will be refused: the training \(dataset\) window .* overlap/)]);
    const trimmed = PipelineConfigSchema.parse({ dataset: { start: '2023-02-18T00:00:00', samples: 30 }, validation: { samples: 12 } });
    const windows = experimentWindows(trimmed);
    // Only samples whose 7-day replay ends by 2023-03-01 are kept: sample i ends on 02-25 + 4i hours, so i <= 24.
    expect(windows.training).toMatchObject({ samples: 25, lastSampleSec: tryParseClock('2023-02-22T00:00:00'), toSec: tryParseClock('2023-03-01T00:00:00') });
    expect(windowWarnings(trimmed, windows, TRACE)).toEqual([expect.stringMatching(/^The run will say: training: 25 of the 30 samples are used/)]);
  });

  it('warn when a window leaves the trace, and show nothing for a start that is not a time', () => {
    const config = PipelineConfigSchema.parse({ validation: { samples: 200 } });
    const warnings = windowWarnings(config, experimentWindows(config), TRACE);
    expect(warnings).toEqual([
      expect.stringMatching(/^The run will say: training: 679 of the 684 samples are used/),
      expect.stringMatching(/validation window ends on 2023-04-10, after the trace's last submission/),
    ]);
    // The form shows the last valid config, but a day that does not exist passes the schema's pattern.
    const bad = PipelineConfigSchema.parse({ validation: { start: '2023-02-30T00:00:00' } });
    expect(experimentWindows(bad)).toEqual({ training: null, validation: null });
  });
});
