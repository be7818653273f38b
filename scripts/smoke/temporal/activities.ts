import { Context } from '@temporalio/activity';

/** Activities of the Temporal smoke tests, built by a factory as the project's services do. */
export function createSmokeActivities(workerLabel: string) {
  return {
    async describeHome(homeId: string): Promise<string> {
      if (homeId.trim() === '') throw new Error('describeHome: homeId must not be empty');
      return `home ${homeId} seen by ${workerLabel} on ${Context.current().info.taskQueue}`;
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
