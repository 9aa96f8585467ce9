import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { USERNAME_PATTERN } from '@app/contracts';

export class SignupDto {
  @ApiProperty({ example: 'alice', pattern: USERNAME_PATTERN.source, description: '3-64 characters: letters, digits, . _ @ -' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-64 characters: letters, digits, . _ @ - (starting with a letter or digit)' })
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple 7', format: 'password', description: "Checked against the Key Manager's password policy" })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class UserDto {
  @ApiProperty({ example: 'alice' })
  username!: string;
}
