import { ConfigError, loadConfig } from '../../api/config';

describe('loadConfig', () => {
  test('applies defaults to empty environment', () => {
    const config = loadConfig({});

    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.API_TOKENS).toEqual([]);
    expect(config.PLANS_DIR).toBeUndefined();
    expect(config.TASK_QUEUE).toBe('onboarding');
    expect(config.TEMPORAL_NAMESPACE).toBe('default');
  });

  test('splits and trims API tokens', () => {
    const config = loadConfig({ API_TOKENS: ' first , second,, ' });

    expect(config.API_TOKENS).toEqual(['first', 'second']);
  });

  test('empty variables count as unset', () => {
    const config = loadConfig({ PORT: '', TASK_QUEUE: ' ', API_TOKENS: '' });

    expect(config.PORT).toBe(3000);
    expect(config.TASK_QUEUE).toBe('onboarding');
    expect(config.API_TOKENS).toEqual([]);
  });

  test.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'verbose'],
  ])('invalid %s is named in error', (variable, value) => {
    const load = () => loadConfig({ [variable]: value });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`${variable}: `);
    expect(load).toThrow(`(got "${value}")`);
  });
});
