import { describe, expect, it } from 'vitest';
import { PipelineConfigSchema } from '../../core/pipeline/config.js';
import { tryParseClock } from '../../core/trace/clock.js';
import { experimentWindows, windowWarnings } from './windows.js';

describe('experiment windows', () => {
  it('span from the first sample to the end of the last sample\'s workload', () => {
    const config = PipelineConfigSchema.parse({ dataset: { samples: 24 }, validation: { samples: 12 } });
    const { training, validation } = experimentWindows(config);
    expect(training).toEqual({ kind: 'training', samples: 24, startSec: tryParseClock('2022-11-01T00:00:00'), lastSampleSec: tryParseClock('2022-11-04T20:00:00'), endSec: tryParseClock('2022-11-09T20:00:00') });
    expect(validation?.endSec).toBe(tryParseClock('2023-03-07T20:00:00'));
    expect(windowWarnings({ training, validation }, { firstSubmitSec: tryParseClock('2022-10-05T00:00:00'), lastSubmitSec: tryParseClock('2023-04-03T00:00:00') })).toEqual([]);
  });

  it('warn when training overlaps validation or a window leaves the trace', () => {
    const config = PipelineConfigSchema.parse({ dataset: { start: '2023-02-25T00:00:00', samples: 30 }, validation: { samples: 200 } });
    const warnings = windowWarnings(experimentWindows(config), { firstSubmitSec: tryParseClock('2022-10-05T00:00:00'), lastSubmitSec: tryParseClock('2023-04-03T00:00:00') });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/overlaps the validation window/);
    expect(warnings[1]).toMatch(/validation window ends on 2023-04-08, after the trace's last submission/);
    expect(tryParseClock('2023-02-30')).toBeNull();
  });
});
