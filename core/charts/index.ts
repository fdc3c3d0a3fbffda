export { empiricalCdf, boxStats, rewardCdfOption, rewardBoxOption, rewardTimelineOption } from './rewards.js';
export type { PolicyRewards, PolicyRewardSeries, ChartText } from './rewards.js';
export { policyMetricsOption, zeroInterruptionOption, loadLevelOption } from './summary.js';
export type { PolicyMetrics } from './summary.js';
export { policyColors } from './palette.js';
export { tradeoffOption } from './tradeoff.js';
export type { TradeoffBaseline, TradeoffCurve, TradeoffData, TradeoffInterval, TradeoffPoint } from './tradeoff.js';
