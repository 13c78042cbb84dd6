/**
 * The Pulumi program: one stack = one student's (team's, environment's) clickstream lakehouse.
 *
 *   EventSource (source bucket + generator Lambda) -> EtlPipeline (Glue job + EtlStarter)
 *     -> MedallionLakehouse (analytics bucket + Glue catalog) -> QueryLayer (Athena)
 *
 * Configuration is validated before any resource is declared (components/config.ts), so a bad
 * studentId or setting never leaves half a stack behind. docs/deploy.md lists every key.
 *
 * The program is an async function (Pulumi awaits it and takes its result as the stack
 * outputs): the account id, the LabRole and the buckets an earlier destroy kept are looked up
 * before the resources are declared.
 */
import * as pulumi from '@pulumi/pulumi';
import { readAwsCredentialSettings } from './components/aws-credentials';
import { ConfigError, loadStackConfig } from './components/config';
import { AthenaValidation } from './components/athena-validation';
import { OperationsDashboard } from './components/dashboard';
import { deployLakehouse, stackOutputs } from './components/lakehouse-stack';
import { names } from './components/naming';

const config = loadStackConfig(new pulumi.Config(), pulumi.getStack());
const awsConfig = new pulumi.Config('aws');
const region = awsConfig.get('region');
if (region === undefined || region === '') {
  throw new ConfigError("config aws:region: expected an AWS region, e.g. 'pulumi config set aws:region us-west-2'");
}
// aws:profile, aws:assumeRoles, ...: the explicit provider and the validation's SDK clients use them.
const credentials = readAwsCredentialSettings(awsConfig);

export = async () => {
  const lakehouse = await deployLakehouse(config, { region, projectName: pulumi.getProject(), stackName: pulumi.getStack(), credentials });

  // Post-deploy validation: the shared checks (etl/checks.ts, the ones `lakehouse check` runs
  // locally) through Athena, re-run whenever the ETL code, SQL, tables or checks change. It
  // first waits for a running Glue job run to finish, so it reads committed data only.
  const validation =
    config.validation === 'off'
      ? undefined
      : new AthenaValidation(
          'validation',
          {
            region,
            credentials,
            workgroup: lakehouse.queryLayer.workgroupName,
            databases: lakehouse.databases,
            glueJobName: lakehouse.pipeline.jobName,
            jobWaitSeconds: config.validationJobWaitSeconds,
            failOnError: config.validation === 'enabled',
            timeoutSeconds: config.validationTimeoutSeconds,
            windowDays: config.validationWindowDays,
            trigger: config.validationTrigger,
          },
          { dependsOn: [lakehouse.lakehouse, lakehouse.pipeline, lakehouse.queryLayer] },
        );

  const dashboard = new OperationsDashboard(
    'operations',
    {
      dashboardName: names.dashboard(config.studentId),
      region,
      generatorFunctionName: lakehouse.source.function?.name,
      glueJobName: lakehouse.pipeline.jobName,
      athenaWorkgroupName: lakehouse.queryLayer.workgroupName,
      alarmArns: [lakehouse.pipeline.failureAlarm.arn],
    },
    { providers: [lakehouse.provider] },
  );

  return { ...stackOutputs(lakehouse, region), dashboardUrl: dashboard.url, validationSummary: validation?.summary };
};
